#include "daemon/api/schedules_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "daemon/api/alert_id.hpp"
#include "daemon/api/query_params.hpp"
#include "daemon/model/cap_datetime.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/schedule/schedule_spec.hpp"
#include "daemon/store/schedule_store.hpp"

namespace araldo::api {
namespace {

using schedule::Instant;

constexpr int kShownOccurrences = 5;

Instant now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

boost::json::object schedule_json(const store::ScheduleRow& s) {
  boost::json::object misfire{{"policy", s.misfire}};
  if (s.misfire == "send_late") misfire["within_seconds"] = s.late_within_seconds;
  boost::json::object o{{"id", s.id},
                        {"name", s.name},
                        {"owner", s.owner},
                        {"enabled", s.enabled},
                        {"alert", s.alert},
                        {"recurrence", s.recurrence},
                        {"rrule", s.rrule},
                        {"misfire", std::move(misfire)},
                        {"created_at", s.created_at},
                        {"updated_at", s.updated_at},
                        {"links", {{"self", "/v1/schedules/" + s.id}}}};
  if (s.disabled_reason) o["disabled_reason"] = *s.disabled_reason;
  boost::json::array next;
  if (auto recurrence = schedule::recurrence_from_json(s.recurrence);
      recurrence && s.enabled && s.next_at) {
    const Instant first{std::chrono::seconds(*s.next_at)};
    std::vector<Instant> upcoming{first};
    for (auto t : recurrence->between(first, first + std::chrono::hours(24 * 366 * 10),
                                      kShownOccurrences - 1)) {
      upcoming.push_back(t);
    }
    for (auto t : upcoming)
      next.push_back({{"at", model::format_cap_datetime(t)}, {"local", recurrence->local_time(t)}});
  }
  o["next_occurrences"] = std::move(next);
  return o;
}

std::optional<http::Response> reject_schedule_id(const std::string& id) {
  if (is_uuid(id)) return std::nullopt;
  return http::bad_request("invalid-id", "'" + id + "' is not a schedule id (a UUID)",
                           {http::in_parameter("id", "must be a UUID")})
      .to_response();
}

// The schedule, if the caller may see it: a scheduler sees only its own.
std::optional<store::ScheduleRow> visible(store::Database& db, const Call& call) {
  auto s = store::find_schedule(db, call.params.at("id"));
  if (s && call.caller.role == Role::Scheduler && s->owner != call.caller.name) return std::nullopt;
  return s;
}

http::Response no_schedule(const std::string& id) {
  return http::not_found("no schedule with id " + id).to_response();
}

}  // namespace

http::Response SchedulesApi::create(const Call& call) const {
  auto parsed = model::parse_json_body(call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  const auto now = now_seconds();
  auto checked = schedule::schedule_from_json(std::get<boost::json::value>(parsed), now);
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&checked)) {
    return http::unprocessable(std::move(*errors), "The schedule is not valid").to_response();
  }
  auto& spec = std::get<schedule::ScheduleSpec>(checked);
  // The alert as it would be sent now: every error it would have at each occurrence.
  auto prepared = intake_.prepare(spec.alert, call.caller.name, now);
  if (auto* p = std::get_if<http::Problem>(&prepared)) {
    for (auto& e : p->errors) e.pointer = "/alert" + e.pointer;
    p->title = "The schedule's alert is not valid";
    return p->to_response();
  }
  store::NewSchedule row{spec.name,
                         call.caller.name,
                         spec.alert,
                         spec.recurrence_doc,
                         spec.recurrence->rrule(),
                         spec.recurrence->start(),
                         spec.recurrence->time_zone(),
                         schedule::to_string(spec.misfire.policy),
                         spec.misfire.within.count(),
                         spec.enabled,
                         spec.first.time_since_epoch().count()};
  std::string id;
  try {
    id = store::create_schedule(db_, row, call.caller.name);
  } catch (const store::ScheduleNameTaken& e) {
    return http::Problem{409,
                         "schedule-exists",
                         "A schedule of that name exists",
                         e.what(),
                         {{"/name",
                           "already used by a live schedule of this key; delete it "
                           "first, or choose another name"}}}
        .to_response();
  }
  spdlog::info("event=schedule.created schedule_id={} actor={} rrule=\"{}\" time_zone={}", id,
               call.caller.name, row.rrule, row.time_zone);
  auto r = http::Response::json(
      201, boost::json::serialize(schedule_json(*store::find_schedule(db_, id))));
  r.headers.set("Location", "/v1/schedules/" + id);
  return r;
}

http::Response SchedulesApi::list(const Call& call) const {
  std::vector<http::FieldError> errors;
  QueryParams params(call.request, {}, {}, errors);
  if (!errors.empty())
    return http::bad_request("invalid-query", "GET /v1/schedules takes no parameters",
                             std::move(errors))
        .to_response();
  const auto owner = call.caller.role == Role::Scheduler
                         ? std::optional<std::string>(call.caller.name)
                         : std::nullopt;
  boost::json::array items;
  for (const auto& s : store::list_schedules(db_, owner)) items.push_back(schedule_json(s));
  return http::Response::json(200, boost::json::serialize(boost::json::object{{"items", items}}));
}

http::Response SchedulesApi::get(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_schedule_id(id)) return *bad;
  auto s = visible(db_, call);
  if (!s) return no_schedule(id);
  auto body = schedule_json(*s);
  boost::json::array occurrences;
  for (const auto& o : store::recent_occurrences(db_, id, 50)) {
    boost::json::object j{{"occurrence", o.occurrence}, {"state", o.state}};
    j["alert_id"] = o.alert_id ? boost::json::value(*o.alert_id) : nullptr;
    if (o.finished_at) j["finished_at"] = *o.finished_at;
    if (o.detail) j["detail"] = *o.detail;
    occurrences.push_back(std::move(j));
  }
  body["recent_occurrences"] = std::move(occurrences);
  return http::Response::json(200, boost::json::serialize(body));
}

http::Response SchedulesApi::patch(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_schedule_id(id)) return *bad;
  auto parsed = model::parse_json_body(call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  const auto& doc = std::get<boost::json::value>(parsed);
  std::vector<http::FieldError> errors;
  std::optional<bool> enabled;
  if (!doc.is_object()) {
    errors.push_back({"", "expected a JSON object such as {\"enabled\": false}"});
  } else {
    for (const auto& [k, v] : doc.get_object()) {
      if (k != "enabled") {
        errors.push_back({"/" + std::string(k),
                          "only enabled can change; for another alert or recurrence, create a "
                          "new schedule and delete this one"});
      } else if (!v.is_bool()) {
        errors.push_back({"/enabled", "must be true or false"});
      } else {
        enabled = v.get_bool();
      }
    }
    if (errors.empty() && !enabled) errors.push_back({"/enabled", "required"});
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors)).to_response();

  auto s = visible(db_, call);
  if (!s) return no_schedule(id);
  std::optional<long long> next;
  if (*enabled) {
    // Re-enabled: from the next occurrence on; what fell while disabled is not sent.
    if (auto recurrence = schedule::recurrence_from_json(s->recurrence)) {
      if (auto t = recurrence->next_after(now_seconds())) next = t->time_since_epoch().count();
    }
  }
  if (!store::set_schedule_enabled(db_, id, *enabled, next, call.caller.name)) {
    return no_schedule(id);
  }
  return http::Response::json(
      200, boost::json::serialize(schedule_json(*store::find_schedule(db_, id))));
}

http::Response SchedulesApi::remove(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_schedule_id(id)) return *bad;
  if (!visible(db_, call) || !store::delete_schedule(db_, id, call.caller.name)) {
    return no_schedule(id);
  }
  spdlog::warn("event=schedule.deleted schedule_id={} actor={}", id, call.caller.name);
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace araldo::api
