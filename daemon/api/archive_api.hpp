#pragma once
// The public archive, without a key, so a citizen who saw a post can check it is genuine
// and aggregators can follow the feed:
//   GET /public/alerts.atom        Atom feed of public (Actual, Public) alerts, newest first
//   GET /public/alerts/{id}.cap    one as CAP 1.2
//   GET /public/alerts/{id}        one as a plain HTML page, saying if it was updated or
//                                  cancelled
// Conditional requests (ETag, If-None-Match) and cache headers; nothing internal leaks.
#include "daemon/api/route_table.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class ArchiveApi {
 public:
  // defaults.public_url: the archive's address as citizens reach it (empty: links are
  // relative); time_zone and sender_name: how times and the town are shown.
  ArchiveApi(store::Database& db, model::AlertDefaults defaults);

  http::Response feed(const Call& call) const;
  http::Response alert(const Call& call) const;  // {name}: "{id}" or "{id}.cap"

 private:
  store::Database& db_;
  model::AlertDefaults defaults_;
  std::string public_url_;
};

// GET /v1/alerts/{id} with Accept: application/cap+xml: any alert, as CAP 1.2.
std::optional<http::Response> alert_as_cap(store::Database& db, const std::string& id);

}  // namespace araldo::api
