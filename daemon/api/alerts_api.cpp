#include "daemon/api/alerts_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "daemon/api/deliveries_api.hpp"

#include "daemon/api/alert_id.hpp"
#include "daemon/api/archive_api.hpp"
#include "daemon/api/query_params.hpp"
#include "daemon/cap/cap_reader.hpp"
#include "daemon/cap/cap_writer.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/text/csv_writer.hpp"

namespace araldo::api {
namespace {

// Each touched zone's subscribers, by what happened to the alert's message to them.
boost::json::object zone_figures(const store::AlertStatus& status) {
  boost::json::object out;
  for (const auto& [zone, o] : status.by_zone) {
    out[zone] = {{"queued", o.queued},      {"sent", o.sent},     {"delivered", o.delivered},
                 {"read", o.read},          {"failed", o.failed}, {"safe", o.safe},
                 {"need_help", o.need_help}};
  }
  return out;
}

using http::FieldError;
using http::Problem;

boost::json::object delivery_json(const store::DeliveryStatus& d,
                                  const privacy::ShownTarget& shown) {
  boost::json::object o{{"id", d.id},
                        {"channel", d.channel},
                        {"channel_type", d.channel_type},
                        {"target", shown.target},
                        {"language", d.language},
                        {"part", d.part},
                        {"parts", d.parts},
                        {"round", d.round},
                        {"state", model::to_string(d.state)},
                        {"attempts", d.attempts},
                        {"updated_at", d.updated_at},
                        {"rendered_text", d.rendered_text}};
  o["platform_message_id"] = d.platform_id ? boost::json::value(*d.platform_id) : nullptr;
  o["last_error"] = d.last_error ? boost::json::value(*d.last_error) : nullptr;
  if (shown.pseudonym) o["subscriber"] = *shown.pseudonym;
  if (d.next_attempt_at) o["next_attempt_at"] = *d.next_attempt_at;
  if (d.finished_at) o["finished_at"] = *d.finished_at;
  if (d.receipt) {
    boost::json::object r{{"state", *d.receipt}};
    if (d.receipt_at) r["at"] = *d.receipt_at;
    if (d.receipt_error) r["error"] = *d.receipt_error;
    o["receipt"] = std::move(r);
  }
  return o;
}

http::Response accepted_response(const store::AcceptedAlert& accepted,
                                 const std::optional<std::string>& approval_expires_at) {
  const std::string location = "/v1/alerts/" + accepted.id;
  boost::json::object body{{"id", accepted.id},
                           {"status", "accepted"},
                           {"state", approval_expires_at ? "awaiting_approval" : "active"},
                           {"accepted_at", accepted.accepted_at},
                           {"deliveries", accepted.deliveries},
                           {"links", {{"self", location}}}};
  if (approval_expires_at) {
    body["approval_expires_at"] = *approval_expires_at;
    body["links"].as_object()["approve"] = location + "/approve";
  }
  auto r = http::Response::json(202, boost::json::serialize(body));
  r.headers.set("Location", location);
  return r;
}

boost::json::value approval_json(const store::AlertStatus& s) {
  if (s.approval.empty()) return nullptr;
  boost::json::object o{{"state", s.approval}};
  auto add = [&](const char* key, const std::optional<std::string>& v) {
    if (v) o[key] = *v;
  };
  add("expires_at", s.approval_expires_at);
  add("decided_by", s.approval_decided_by);
  add("decided_at", s.approval_decided_at);
  add("reason", s.approval_reason);
  return o;
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

}  // namespace

AlertsApi::AlertsApi(intake::AlertIntake& intake, const intake::Corrections& corrections,
                     store::Database& db, const privacy::Pseudonyms& pseudonyms)
    : intake_(intake), corrections_(corrections), db_(db), pseudonyms_(pseudonyms) {}

http::Response AlertsApi::post(const Call& call) const {
  std::optional<std::string> key;
  if (auto header = call.request.headers.find("Idempotency-Key")) {
    if (!valid_idempotency_key(*header)) {
      return http::bad_request(
                 "invalid-idempotency-key",
                 "Idempotency-Key must be 1-255 printable ASCII characters",
                 {http::in_header("Idempotency-Key", "1-255 printable ASCII characters")})
          .to_response();
    }
    key = std::string(*header);
  }
  const auto type = call.request.headers.find("Content-Type").value_or("");
  if (type.substr(0, type.find(';')).find(cap::cap_media_type) == 0) return post_cap(call, key);
  auto result = intake_.accept(call.request.body, call.caller.name, key);
  if (auto* p = std::get_if<Problem>(&result)) return p->to_response();
  const auto& accepted = std::get<intake::Accepted>(result);
  auto r = accepted_response(accepted.alert, accepted.approval_expires_at);
  if (accepted.replayed) r.headers.set("Idempotent-Replayed", "true");
  return r;
}

http::Response AlertsApi::post_cap(const Call& call, const std::optional<std::string>& key) const {
  auto read = cap::read_cap(call.request.body);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&read)) {
    return http::unprocessable(std::move(*errors), "The CAP document is not valid").to_response();
  }
  const auto& message = std::get<cap::CapMessage>(read);
  // An Update or a Cancel refers to alerts this Araldo sent, by their identifier.
  for (const auto& ref : message.references) {
    if (reject_alert_id(ref) || !store::find_alert(db_, ref, 0)) {
      return http::unprocessable({{"/alert/references", "no alert with identifier '" + ref +
                                                            "' was sent by this Araldo"}},
                                 "The CAP document is not valid")
          .to_response();
    }
  }
  const auto body = boost::json::serialize(message.alert);
  if (message.msg_type == "Alert") {
    auto result = intake_.accept(body, call.caller.name, key);
    if (auto* p = std::get_if<Problem>(&result)) return p->to_response();
    const auto& accepted = std::get<intake::Accepted>(result);
    auto r = accepted_response(accepted.alert, accepted.approval_expires_at);
    if (accepted.replayed) r.headers.set("Idempotent-Replayed", "true");
    return r;
  }
  if (call.caller.role != Role::Operator) {
    return Problem{403,
                   "forbidden",
                   "Not allowed for this key's role",
                   "an " + message.msg_type + " corrects a published alert: an operator's key",
                   {}}
        .to_response();
  }
  if (message.msg_type == "Update") {
    auto result = corrections_.update(message.references.front(), body, call.caller.name);
    if (auto* p = std::get_if<Problem>(&result)) return p->to_response();
    const auto& accepted = std::get<intake::Accepted>(result);
    return accepted_response(accepted.alert, accepted.approval_expires_at);
  }
  boost::json::array cancelled;
  for (const auto& ref : message.references) {
    const auto done = corrections_.cancel(ref, call.caller.name);
    cancelled.push_back({{"id", ref},
                         {"cancelled", done ? done->stopped : 0},
                         {"follow_ups", done ? done->follow_ups : 0},
                         {"cancel_id", done && done->cancel_id ? *done->cancel_id : ""}});
  }
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{{"cancelled", std::move(cancelled)}}));
}

http::Response AlertsApi::preview(const Call& call) const {
  auto result = intake_.preview(call.request.body, std::chrono::system_clock::now());
  if (auto* p = std::get_if<Problem>(&result)) return p->to_response();
  return http::Response::json(200, boost::json::serialize(std::get<boost::json::object>(result)));
}

http::Response AlertsApi::by_zone(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_alert_id(id)) return *bad;
  std::vector<http::FieldError> errors;
  QueryParams q(call.request, {"format"}, {}, errors);
  const auto format = q.one("format").value_or("csv");
  if (format != "csv" && format != "json")
    errors.push_back(http::in_parameter("format", "csv or json"));
  if (!errors.empty()) {
    return http::bad_request("invalid-parameter", "bad query parameters", std::move(errors))
        .to_response();
  }
  const auto status = store::find_alert(db_, id, 0);
  if (!status ||
      (call.caller.role == Role::Scheduler && status->submitted_by != call.caller.name)) {
    return http::not_found("no alert with id " + id).to_response();
  }
  if (format == "json")
    return http::Response::json(200, boost::json::serialize(zone_figures(*status)));
  // For a spreadsheet: one row per zone the area touched.
  std::string csv;
  text::append_csv_record(csv, {"alert_id", "zone", "queued", "sent", "delivered", "read", "failed",
                                "safe", "need_help"});
  for (const auto& [zone, z] : status->by_zone) {
    const std::vector<std::string> cells{id,
                                         zone,
                                         std::to_string(z.queued),
                                         std::to_string(z.sent),
                                         std::to_string(z.delivered),
                                         std::to_string(z.read),
                                         std::to_string(z.failed),
                                         std::to_string(z.safe),
                                         std::to_string(z.need_help)};
    text::append_csv_record(csv, std::vector<std::string_view>(cells.begin(), cells.end()));
  }
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", "text/csv; charset=utf-8");
  r.headers.set("Content-Disposition", "attachment; filename=\"alert-" + id + "-by-zone.csv\"");
  r.body = std::move(csv);
  return r;
}

http::Response AlertsApi::get(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_alert_id(id)) return *bad;
  auto status = store::find_alert(db_, id);
  // A scheduler reads only the alerts it sent.
  if (!status ||
      (call.caller.role == Role::Scheduler && status->submitted_by != call.caller.name)) {
    return http::not_found("no alert with id " + id).to_response();
  }
  // CAP 1.2 for other alerting systems: the message, without the deliveries.
  if (auto accept = call.request.headers.find("Accept");
      accept && accept->find(cap::cap_media_type) != std::string_view::npos) {
    if (auto cap = alert_as_cap(db_, id)) return *cap;
  }

  boost::json::array deliveries;
  for (const auto& d : status->deliveries) {
    deliveries.push_back(delivery_json(d, target_for(call.caller, d, pseudonyms_)));
  }
  boost::json::object summary;
  for (const auto& [state, n] : status->by_state) summary[state] = n;
  // What the platforms reported after accepting (only WhatsApp reports, today).
  boost::json::object receipts;
  for (const auto& [state, n] : status->receipts) receipts[state] = n;
  auto by_zone = zone_figures(*status);
  const auto& reach = status->reach;
  boost::json::object body{
      {"id", status->id},
      {"accepted_at", status->accepted_at},
      {"submitted_by", status->submitted_by},
      {"state", status->state},
      {"alert", status->document},
      {"summary", std::move(summary)},
      {"receipts", std::move(receipts)},
      {"total_deliveries", status->total},
      {"reach",
       {{"subscribers", reach.subscribers},
        {"public_targets", reach.public_targets},
        {"zones", boost::json::array(reach.zones.begin(), reach.zones.end())},
        {"summary", reach.summary()}}},
      {"by_zone", std::move(by_zone)},
      {"acknowledgements",
       {{"safe",
         status->acknowledgements.contains("safe") ? status->acknowledgements.at("safe") : 0},
        {"need_help", status->acknowledgements.contains("need_help")
                          ? status->acknowledgements.at("need_help")
                          : 0}}},
      {"approval", approval_json(*status)},
      {"deliveries", std::move(deliveries)}};
  if (status->send_at) body["send_at"] = *status->send_at;
  // A large audience is written after acceptance: how far along each channel is. Its
  // deliveries are in the summary once written.
  if (!status->fanouts.empty()) {
    boost::json::array fanouts;
    for (const auto& f : status->fanouts) {
      boost::json::object o{{"channel", f.channel},
                            {"audience", f.audience},
                            {"written", f.written},
                            {"finished", !f.outcome.empty()}};
      if (!f.outcome.empty()) o["outcome"] = f.outcome;
      // Skipped: the database refused their delivery (each audited, by pseudonym).
      if (f.refused > 0) o["refused"] = f.refused;
      fanouts.push_back(std::move(o));
    }
    body["written_after_acceptance"] = std::move(fanouts);
  }
  // A broadcast to many subscribers lists its first deliveries; the summary counts all.
  if (status->total > static_cast<long long>(status->deliveries.size())) {
    body["deliveries_truncated"] = true;
  }
  return http::Response::json(200, boost::json::serialize(body));
}

}  // namespace araldo::api
