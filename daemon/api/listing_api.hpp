#pragma once
// The log, for auditors and operators, a page at a time:
//   GET /v1/alerts?since=&until=&severity=&submitted_by=&channel=&state=scheduled|active
//                 &limit=&cursor=      newest first
//   GET /v1/audit?since=&until=&alert_id=&delivery_id=&actor=&kind=&limit=&cursor=
//                                      in chain order, each event with its leaf (seq)
// `next` in each answer is the following page's URL; its cursor is signed, bound to the
// filters and expires after an hour.
#include <optional>
#include <string>
#include <vector>

#include "daemon/api/cursor.hpp"
#include "daemon/api/query_params.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/listing_store.hpp"

namespace araldo::api {

// The audit filters /v1/audit and its export share; errors go where q sends them.
inline const std::set<std::string> kAuditFilterParams{"since",       "until", "alert_id",
                                                      "delivery_id", "actor", "kind"};
store::AuditFilter audit_filter(QueryParams& q);

class ListingApi {
 public:
  ListingApi(store::Database& db, CursorCodec cursors) : db_(db), cursors_(std::move(cursors)) {}

  http::Response alerts(const Call& call) const;  // a scheduler sees only its own
  http::Response audit(const Call& call) const;

 private:
  // Where the page starts: the cursor's position, if it has a valid one for `query`.
  std::optional<boost::json::object> position(const QueryParams& q, const std::string& query,
                                              std::vector<http::FieldError>& errors) const;
  store::Database& db_;
  CursorCodec cursors_;
};

}  // namespace araldo::api
