#pragma once
// GET /v1/audit/export: every audit event a filter selects (the filters of /v1/audit), as
// CSV or JSON Lines (`format=csv|jsonl`, or the Accept header), streamed as it is read
// from one database snapshot: the daemon holds one batch at a time, whatever the size.
#include "daemon/api/route_table.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class ExportApi {
 public:
  ExportApi(config::Secret dsn, store::Database& db, const privacy::Pseudonyms& pseudonyms)
      : dsn_(std::move(dsn)), db_(db), pseudonyms_(pseudonyms) {}
  http::Response audit(const Call& call) const;
  // GET /v1/deliveries/export: the filters of /v1/deliveries (every state without one).
  http::Response deliveries(const Call& call) const;

 private:
  config::Secret dsn_;
  store::Database& db_;
  const privacy::Pseudonyms& pseudonyms_;
};

}  // namespace araldo::api
