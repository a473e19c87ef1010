#include "daemon/api/public_audit_api.hpp"

#include <boost/json.hpp>

#include "daemon/api/alert_id.hpp"
#include "daemon/api/query_params.hpp"
#include "daemon/audit/head_json.hpp"
#include "daemon/audit/merkle.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/store/archive_store.hpp"
#include "daemon/store/audit_log_store.hpp"

namespace araldo::api {
namespace {

namespace merkle = audit::merkle;

boost::json::array hex_list(const std::vector<merkle::Hash>& hashes) {
  boost::json::array out;
  for (const auto& h : hashes) out.emplace_back(merkle::hex(h));
  return out;
}

std::vector<merkle::Hash> leaves_of(store::Database& db, std::uint64_t size) {
  std::vector<merkle::Hash> out;
  out.reserve(size);
  for (const auto& raw : store::leaf_hashes(db, size)) out.push_back(merkle::from_bytes(raw));
  return out;
}

http::Response busy() {
  auto r = http::service_unavailable("another proof is being computed; try again in a second")
               .to_response();
  r.headers.set("Retry-After", "1");
  return r;
}

http::Response bad_query(std::vector<http::FieldError> errors) {
  return http::bad_request("invalid-query", "the query has bad parameters", std::move(errors))
      .to_response();
}

http::Response public_json(const boost::json::object& body) {
  auto r = http::Response::json(200, boost::json::serialize(body));
  r.headers.set("Cache-Control", "public, max-age=5");
  return r;
}

const char* const algorithm =
    "RFC 9162 section 2.1: leaf hash SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || "
    "right); heads signed with Ed25519 over signed_message";

}  // namespace

http::Response PublicAuditApi::heads(const Call& call) const {
  std::vector<http::FieldError> errors;
  QueryParams q(call.request, {"since", "limit"}, {}, errors);
  long long since = 0;
  if (auto s = q.one("since")) {
    try {
      since = std::stoll(*s);
    } catch (const std::exception&) {
      since = -1;
    }
    if (since < 0) errors.push_back(http::in_parameter("since", "a tree size, 0 or more"));
  }
  const int limit = q.limit(100, 1000);
  if (!errors.empty()) return bad_query(std::move(errors));
  const auto heads = store::published_heads(db_, static_cast<std::uint64_t>(since), limit);
  boost::json::array list;
  for (const auto& h : heads) list.push_back(audit::head_json(h));
  boost::json::object body{{"heads", std::move(list)}};
  if (static_cast<int>(heads.size()) == limit) {
    body["next"] = "/public/audit/heads?since=" + std::to_string(heads.back().tree_size) +
                   "&limit=" + std::to_string(limit);
  }
  return public_json(body);
}

http::Response PublicAuditApi::consistency(const Call& call) const {
  std::vector<http::FieldError> errors;
  QueryParams q(call.request, {"from", "to"}, {}, errors);
  const auto from = q.positive("from");
  const auto to = q.positive("to");
  if (!from) errors.push_back(http::in_parameter("from", "the older head's tree size"));
  if (!to) errors.push_back(http::in_parameter("to", "the newer head's tree size"));
  if (from && to && *from > *to) errors.push_back(http::in_parameter("from", "at most to"));
  if (!errors.empty()) return bad_query(std::move(errors));
  const auto older = store::published_head(db_, static_cast<std::uint64_t>(*from));
  const auto newer = store::published_head(db_, static_cast<std::uint64_t>(*to));
  if (!older || !newer) {
    return http::not_found("no published head of size " + std::to_string(older ? *to : *from))
        .to_response();
  }
  std::unique_lock lock(proofs_, std::try_to_lock);
  if (!lock) return busy();
  const auto leaves = leaves_of(db_, newer->tree_size);
  const auto proof = merkle::consistency_proof(leaves, older->tree_size, newer->tree_size);
  return public_json({{"from", audit::head_json(*older)},
                      {"to", audit::head_json(*newer)},
                      {"consistency_proof", hex_list(proof)},
                      {"algorithm", algorithm}});
}

http::Response PublicAuditApi::alert_proof(const Call& call) const {
  const auto& id = call.params.at("id");
  if (!is_uuid(id) || !store::archived_alert(db_, id, true)) {
    return http::not_found("no public alert with id " + id).to_response();
  }
  const auto event = store::sealed_acceptance(db_, id);
  const auto head = store::published_head(db_, 0);
  if (!event || !head || event->leaf_index >= head->tree_size) {
    auto r = http::service_unavailable("the alert is not in a signed head yet; it will be soon")
                 .to_response();
    r.headers.set("Retry-After", "1");
    return r;
  }
  std::unique_lock lock(proofs_, std::try_to_lock);
  if (!lock) return busy();
  const auto leaves = leaves_of(db_, head->tree_size);
  const auto proof = merkle::inclusion_proof(leaves, event->leaf_index, head->tree_size);
  return public_json({{"alert_id", id},
                      {"event_id", event->event_id},
                      {"leaf_index", event->leaf_index},
                      {"entry", event->entry},
                      {"leaf_hash", merkle::hex(merkle::leaf_hash(event->entry))},
                      {"head", audit::head_json(*head)},
                      {"inclusion_proof", hex_list(proof)},
                      {"algorithm", algorithm}});
}

}  // namespace araldo::api
