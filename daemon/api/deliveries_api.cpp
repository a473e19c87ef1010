#include "daemon/api/deliveries_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "daemon/api/alert_id.hpp"
#include "daemon/api/query_params.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/delivery_actions_store.hpp"

namespace araldo::api {
namespace {

using http::Problem;

std::optional<long long> parse_id(std::string_view s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

http::Response retried(const std::vector<long long>& ids) {
  boost::json::array a;
  for (auto id : ids) a.push_back(id);
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{{"retried", ids.size()}, {"ids", a}}));
}

}  // namespace

DeliveriesApi::DeliveriesApi(store::Database& db, const privacy::Pseudonyms& pseudonyms,
                             std::function<void()> new_work)
    : db_(db), pseudonyms_(pseudonyms), new_work_(std::move(new_work)) {}

boost::json::object delivery_json(const store::DeliveryRow& d, const privacy::ShownTarget& shown) {
  boost::json::object o{{"id", d.id},
                        {"alert_id", d.alert_id},
                        {"channel", d.channel},
                        {"target", shown.target},
                        {"part", d.part},
                        {"parts", d.parts},
                        {"state", model::to_string(d.state)},
                        {"attempts", d.attempts},
                        {"updated_at", d.updated_at},
                        {"created_at", d.created_at},
                        {"text", d.text}};
  auto or_null = [](const std::optional<std::string>& v) {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
  };
  o["last_error"] = or_null(d.last_error);
  o["platform_id"] = or_null(d.platform_id);
  o["first_attempt_at"] = or_null(d.first_attempt_at);
  o["finished_at"] = or_null(d.finished_at);
  if (shown.pseudonym) o["subscriber"] = *shown.pseudonym;
  return o;
}

store::DeliveryFilter delivery_filter(QueryParams& q, std::vector<http::FieldError>& errors) {
  store::DeliveryFilter filter;
  for (const auto& s : q.all("state")) {
    if (auto state = model::parse_delivery_state(s)) {
      filter.states.push_back(*state);
    } else {
      errors.push_back(http::in_parameter(
          "state", "'" + s +
                       "' is not a delivery state (pending, sending, sent, retrying, failed, "
                       "expired, cancelled)"));
    }
  }
  filter.alert_id = q.uuid("alert_id");
  filter.channel = q.one("channel");
  filter.target = q.one("target");
  filter.since = q.time("since");
  filter.until = q.time("until");
  return filter;
}

http::Response DeliveriesApi::list(const Call& call) const {
  std::vector<http::FieldError> errors;
  auto allowed = kDeliveryFilterParams;
  allowed.insert({"after", "limit"});
  QueryParams q(call.request, allowed, {"state"}, errors);
  auto filter = delivery_filter(q, errors);
  // Without a state: the dead letters, what an operator comes here for.
  if (q.all("state").empty()) filter.states.push_back(model::DeliveryState::failed);
  const long long after = q.positive("after").value_or(0);
  const int limit = q.limit(100, 1000);
  if (!errors.empty()) {
    return http::bad_request("invalid-query", "the query has bad parameters", std::move(errors))
        .to_response();
  }
  const auto rows = store::list_deliveries(db_, filter, after, limit);
  boost::json::array items;
  for (const auto& d : rows) {
    items.push_back(delivery_json(d, target_for(call.caller, d, pseudonyms_)));
  }
  boost::json::object body{{"deliveries", std::move(items)}};
  if (static_cast<int>(rows.size()) == limit) {
    // The same query, after the last row (ids only grow: a page never shifts).
    body["next"] = with_parameter(call.request, "after", std::to_string(rows.back().id));
  }
  return http::Response::json(200, boost::json::serialize(body));
}

http::Response DeliveriesApi::retry_one(const Call& call) const {
  const auto& id = call.params.at("id");
  const auto& actor = call.caller.name;
  const auto delivery_id = parse_id(id);
  if (!delivery_id) {
    return http::bad_request("invalid-id", "'" + id + "' is not a delivery id",
                             {http::in_parameter("id", "a positive integer")})
        .to_response();
  }
  const auto retry = store::retry_delivery(db_, actor, *delivery_id);
  if (!retry.found) return http::not_found("no delivery with id " + id).to_response();
  if (retry.found->state != model::DeliveryState::failed) {
    return Problem{409,
                   "not-failed",
                   "Only a failed delivery can be retried",
                   "delivery " + id + " is " + std::string(model::to_string(retry.found->state)),
                   {}}
        .to_response();
  }
  if (retry.queued.empty()) {
    return Problem{409,
                   "alert-expired",
                   "The alert has expired",
                   "delivery " + id + " belongs to an alert that has expired; it stays failed",
                   {}}
        .to_response();
  }
  new_work_();
  spdlog::info("event=delivery.retry_requested delivery_id={} actor={} queued={}", id, actor,
               retry.queued.size());
  return retried(retry.queued);
}

http::Response DeliveriesApi::retry_alert(const Call& call) const {
  const auto& alert_id = call.params.at("id");
  const auto& actor = call.caller.name;
  if (auto bad = reject_alert_id(alert_id)) return *bad;
  const auto ids = store::retry_failed_alert(db_, actor, alert_id);
  if (!ids) return http::not_found("no alert with id " + alert_id).to_response();
  if (!ids->empty()) new_work_();
  spdlog::info("event=alert.retry_requested alert_id={} actor={} queued={}", alert_id, actor,
               ids->size());
  return retried(*ids);
}

http::Response DeliveriesApi::follow_up(const Call& call) const {
  const auto& alert_id = call.params.at("id");
  if (auto bad = reject_alert_id(alert_id)) return *bad;
  auto parsed = model::parse_json_body(call.request.body.empty() ? "{}" : call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  const auto& doc = std::get<boost::json::value>(parsed);
  std::vector<http::FieldError> errors;
  int after = 30;
  if (!doc.is_object()) {
    errors.push_back({"", "expected a JSON object"});
  } else {
    for (const auto& [key, value] : doc.as_object()) {
      if (key != "after_minutes") {
        errors.push_back({"/" + std::string(key), "unknown field"});
      } else if (!value.is_int64() || value.as_int64() < 0 || value.as_int64() > 7 * 24 * 60) {
        errors.push_back({"/after_minutes", "a whole number of minutes from 0 to 10080"});
      } else {
        after = static_cast<int>(value.as_int64());
      }
    }
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors)).to_response();
  const auto done = store::follow_up(db_, alert_id, after, call.caller.name);
  if (!done) return http::not_found("no alert with id " + alert_id).to_response();
  if (!done->refusal.empty()) {
    return Problem{409, "no-follow-up", "The alert cannot be followed up", done->refusal, {}}
        .to_response();
  }
  if (done->deliveries > 0) new_work_();
  spdlog::info("event=alert.followed_up alert_id={} actor={} round={} recipients={}", alert_id,
               call.caller.name, done->round, done->recipients);
  return http::Response::json(
      done->recipients > 0 ? 202 : 200,
      boost::json::serialize(boost::json::object{{"round", done->round},
                                                 {"after_minutes", after},
                                                 {"recipients", done->recipients},
                                                 {"deliveries", done->deliveries}}));
}

}  // namespace araldo::api
