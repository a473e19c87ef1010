#include "daemon/api/listing_api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "daemon/api/query_params.hpp"
#include "daemon/model/alert.hpp"
#include "daemon/store/alert_state_sql.hpp"
#include "daemon/store/listing_store.hpp"

namespace araldo::api {
namespace {

boost::json::value or_null(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

std::string encoded(const std::string& cursor) {
  return boost::urls::encode(cursor, boost::urls::unreserved_chars);
}

http::Response invalid(std::vector<http::FieldError> errors) {
  return http::bad_request("invalid-query", "the query has bad parameters", std::move(errors))
      .to_response();
}

}  // namespace

std::optional<boost::json::object> ListingApi::position(
    const QueryParams& q, const std::string& query, std::vector<http::FieldError>& errors) const {
  const auto cursor = q.one("cursor");
  if (!cursor) return std::nullopt;
  auto decoded = cursors_.decode(*cursor, query);
  if (auto* e = std::get_if<CursorError>(&decoded)) {
    errors.push_back(http::in_parameter("cursor", e->detail));
    return std::nullopt;
  }
  return std::get<boost::json::object>(decoded);
}

http::Response ListingApi::alerts(const Call& call) const {
  std::vector<http::FieldError> errors;
  QueryParams q(
      call.request,
      {"since", "until", "severity", "submitted_by", "channel", "state", "limit", "cursor"},
      {"severity"}, errors);
  store::AlertFilter filter;
  filter.since = q.time("since");
  filter.until = q.time("until");
  for (const auto& s : q.all("severity")) {
    if (std::find(model::severities.begin(), model::severities.end(), s) ==
        model::severities.end()) {
      errors.push_back(http::in_parameter(
          "severity", "'" + s + "' is not one of Extreme, Severe, Moderate, Minor, Unknown"));
    }
    filter.severities.push_back(s);
  }
  filter.submitted_by = q.one("submitted_by");
  filter.channel = q.one("channel");
  if (auto state = q.one("state")) {
    if (std::find(store::alert_states.begin(), store::alert_states.end(), *state) ==
        store::alert_states.end()) {
      std::string all;
      for (const auto s : store::alert_states) all += (all.empty() ? "" : ", ") + std::string(s);
      errors.push_back(http::in_parameter("state", "one of " + all));
    }
    filter.state = *state;
  }
  // A scheduler reads only what it sent.
  if (call.caller.role == Role::Scheduler) {
    if (filter.submitted_by && *filter.submitted_by != call.caller.name) {
      errors.push_back(http::in_parameter("submitted_by", "a scheduler lists only its own alerts"));
    }
    filter.submitted_by = call.caller.name;
  }
  const int limit = q.limit(100, 500);
  const auto query = "alerts?" + q.canonical({"cursor", "limit"}) +
                     (call.caller.role == Role::Scheduler ? "own=" + call.caller.name : "");
  std::optional<store::AlertKey> after;
  if (const auto p = position(q, query, errors)) {
    after =
        store::AlertKey{std::string(p->at("at").as_string()), std::string(p->at("id").as_string())};
  }
  if (!errors.empty()) return invalid(std::move(errors));

  const auto rows = store::list_alerts(db_, filter, after, limit);
  boost::json::array items;
  for (const auto& a : rows) {
    boost::json::object summary;
    for (const auto& [state, n] : a.by_state) summary[state] = n;
    items.push_back({{"id", a.id},
                     {"accepted_at", a.accepted_at},
                     {"submitted_by", a.submitted_by},
                     {"headline", a.headline},
                     {"event", a.event},
                     {"severity", a.severity},
                     {"send_at", or_null(a.send_at)},
                     {"state", a.state},
                     {"summary", std::move(summary)}});
  }
  boost::json::object body{{"alerts", std::move(items)}};
  if (static_cast<int>(rows.size()) == limit) {
    body["next"] = with_parameter(
        call.request, "cursor",
        encoded(cursors_.encode({{"at", rows.back().accepted_at}, {"id", rows.back().id}}, query)));
  }
  return http::Response::json(200, boost::json::serialize(body));
}

store::AuditFilter audit_filter(QueryParams& q) {
  store::AuditFilter filter;
  filter.since = q.time("since");
  filter.until = q.time("until");
  filter.alert_id = q.uuid("alert_id");
  filter.delivery_id = q.positive("delivery_id");
  filter.actor = q.one("actor");
  filter.kind = q.one("kind");
  return filter;
}

http::Response ListingApi::audit(const Call& call) const {
  std::vector<http::FieldError> errors;
  auto allowed = kAuditFilterParams;
  allowed.insert({"limit", "cursor"});
  QueryParams q(call.request, allowed, {}, errors);
  const auto filter = audit_filter(q);
  const int limit = q.limit(1000, 10'000);
  const auto query = "audit?" + q.canonical({"cursor", "limit"});
  std::optional<store::AuditKey> after;
  if (const auto p = position(q, query, errors)) {
    after = store::AuditKey{std::string(p->at("xid").as_string()), p->at("id").as_int64()};
  }
  if (!errors.empty()) return invalid(std::move(errors));

  const auto rows = store::list_audit_events(db_, filter, after, limit);
  boost::json::array items;
  for (const auto& e : rows) {
    boost::json::object o{{"id", e.id},
                          {"at", e.at},
                          {"actor", e.actor},
                          {"kind", e.kind},
                          {"alert_id", or_null(e.alert_id)},
                          {"detail", boost::json::parse(e.detail)}};
    o["delivery_id"] = e.delivery_id ? boost::json::value(*e.delivery_id) : nullptr;
    o["seq"] = e.seq ? boost::json::value(*e.seq) : nullptr;
    items.push_back(std::move(o));
  }
  boost::json::object body{{"events", std::move(items)}};
  if (static_cast<int>(rows.size()) == limit) {
    body["next"] = with_parameter(
        call.request, "cursor",
        encoded(cursors_.encode({{"xid", rows.back().xid}, {"id", rows.back().id}}, query)));
  }
  return http::Response::json(200, boost::json::serialize(body));
}

}  // namespace araldo::api
