#include "daemon/api/audit_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <regex>

#include "daemon/api/query_params.hpp"
#include "daemon/audit/audit_verify.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

http::Response AuditApi::verify(const Call& call) const {
  std::vector<http::FieldError> errors;
  QueryParams q(call.request, {"expect_head", "public_key"}, {"expect_head"}, errors);
  audit::VerifyOptions options;
  options.public_key = public_key_;
  for (const auto& kept : q.all("expect_head")) {
    if (auto head = audit::parse_kept_head(kept)) {
      options.kept_heads.push_back(*head);
    } else {
      errors.push_back(
          http::in_parameter("expect_head", "SIZE:ROOT as verify prints it (64 hex digits)"));
    }
  }
  if (auto key = q.one("public_key")) {
    static const std::regex hex64("[0-9a-f]{64}");
    if (!std::regex_match(*key, hex64)) {
      errors.push_back(http::in_parameter("public_key", "64 lowercase hex digits"));
    }
    options.public_key = *key;
  }
  if (!errors.empty()) {
    return http::bad_request("invalid-query", "the query has bad parameters", std::move(errors))
        .to_response();
  }
  // Connections of its own: a verify reads the whole log, and must not hold the pool's.
  store::Connection main(dsn_), reader(dsn_);
  const auto r = audit::verify_log(main, options, {&reader});
  spdlog::info("event=audit.verified actor={} ok={} leaves={} tree_size={}", call.caller.name, r.ok,
               r.leaves, r.tree_size);
  boost::json::object body{
      {"ok", r.ok},
      {"leaves", r.leaves},
      {"heads", r.heads},
      {"signed_heads", r.signed_heads},
      {"tree_size", r.tree_size},
      {"root", audit::merkle::hex(r.root)},
      {"head", std::to_string(r.tree_size) + ":" + audit::merkle::hex(r.root)},
      {"unsealed", r.unsealed},
      {"kept_heads_checked", options.kept_heads.size()},
      {"public_key",
       options.public_key ? boost::json::value(*options.public_key) : boost::json::value(nullptr)}};
  if (!r.ok) {
    body["problem"] = r.problem;
    body["bad_event_id"] = r.bad_event_id ? boost::json::value(r.bad_event_id) : nullptr;
  }
  return http::Response::json(200, boost::json::serialize(body));
}

}  // namespace araldo::api
