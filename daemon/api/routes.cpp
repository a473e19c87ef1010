#include "daemon/api/routes.hpp"

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "daemon/api/health_api.hpp"
#include "daemon/api/openapi.hpp"
#include "daemon/cap/cap_writer.hpp"

namespace araldo::api {
namespace {

// An alert submission's fate, by the problem type of a refusal.
void count_submission(metrics::Registry& metrics, const http::Response& r) {
  if (r.status == 201 || r.status == 202) {
    metrics.inc("araldo_alerts_accepted_total", {{"via", "api"}});
    return;
  }
  if (r.status < 400) return;  // an idempotent replay: counted the first time
  std::string reason = "http_" + std::to_string(r.status);
  boost::system::error_code ec;
  const auto doc = boost::json::parse(r.body, ec);
  if (!ec && doc.is_object()) {
    if (const auto* type = doc.as_object().if_contains("type"); type && type->is_string()) {
      const std::string_view t = type->as_string();
      reason = std::string(t.substr(t.rfind(':') + 1));
    }
  }
  metrics.inc("araldo_alerts_refused_total", {{"reason", reason}});
}

template <typename Api, typename Method>
CallHandler handler(Api& api, Method method) {
  return [&api, method](const Call& call) { return (api.*method)(call); };
}

}  // namespace

void add_routes(RouteTable& routes, const Endpoints& e, std::size_t import_body_limit) {
  const std::vector<Role> senders{Role::Operator, Role::Scheduler};
  const std::vector<Role> operators{Role::Operator};
  const std::vector<Role> readers{Role::Operator, Role::Scheduler, Role::Auditor};
  const std::vector<Role> delivery_readers{Role::Operator, Role::Auditor};
  const std::vector<Role> verifiers{Role::Auditor, Role::Admin};
  const std::vector<Role> admins{Role::Admin};
  const std::vector<Role> subscriber_readers{Role::Operator, Role::Auditor, Role::Admin};
  const std::vector<Role> schedulers{Role::Scheduler, Role::Admin};
  const std::vector<Role> schedule_readers{Role::Scheduler, Role::Admin, Role::Operator,
                                           Role::Auditor};
  const std::vector<Role> everyone{Role::Operator, Role::Scheduler, Role::Auditor, Role::Admin};
  const std::vector<Role> nobody_in_particular{};  // no key: health, platforms, public pages
  const std::string json = "application/json";

  // Alerts: sent, previewed, listed, approved, corrected, retried.
  routes.add({"POST", "/v1/alerts", senders, json + ", " + cap::cap_media_type, 0,
              [&alerts = e.alerts, &counters = e.counters](const Call& call) {
                auto r = alerts.post(call);
                count_submission(counters, r);
                return r;
              }});
  routes.add(
      {"POST", "/v1/alerts/preview", senders, json, 0, handler(e.alerts, &AlertsApi::preview)});
  routes.add({"GET", "/v1/alerts", readers, "", 0, handler(e.listing, &ListingApi::alerts)});
  routes.add({"GET", "/v1/alerts/{id}", readers, "", 0, handler(e.alerts, &AlertsApi::get)});
  routes.add(
      {"GET", "/v1/alerts/{id}/by-zone", readers, "", 0, handler(e.alerts, &AlertsApi::by_zone)});
  routes.add({"POST", "/v1/alerts/{id}/retry", operators, "", 0,
              handler(e.deliveries, &DeliveriesApi::retry_alert)});
  routes.add({"POST", "/v1/alerts/{id}/follow-up", operators, json, 0,
              handler(e.deliveries, &DeliveriesApi::follow_up)});
  routes.add({"POST", "/v1/alerts/{id}/approve", operators, "", 0,
              handler(e.approvals, &ApprovalsApi::approve)});
  routes.add({"POST", "/v1/alerts/{id}/reject", operators, json, 0,
              handler(e.approvals, &ApprovalsApi::reject)});
  routes.add({"POST", "/v1/alerts/{id}/cancel", operators, "", 0,
              handler(e.corrections, &CorrectionsApi::cancel)});
  routes.add({"POST", "/v1/alerts/{id}/update", operators, json, 0,
              handler(e.corrections, &CorrectionsApi::update)});

  // Deliveries and the audit log.
  routes.add({"GET", "/v1/deliveries", delivery_readers, "", 0,
              handler(e.deliveries, &DeliveriesApi::list)});
  routes.add({"POST", "/v1/deliveries/{id}/retry", operators, "", 0,
              handler(e.deliveries, &DeliveriesApi::retry_one)});
  routes.add({"GET", "/v1/deliveries/export", delivery_readers, "", 0,
              handler(e.exports, &ExportApi::deliveries)});
  routes.add({"GET", "/v1/audit", delivery_readers, "", 0, handler(e.listing, &ListingApi::audit)});
  routes.add(
      {"GET", "/v1/audit/export", delivery_readers, "", 0, handler(e.exports, &ExportApi::audit)});
  routes.add({"GET", "/v1/audit/verify", verifiers, "", 0, handler(e.audit, &AuditApi::verify)});

  // Subscribers, keys, schedules: administration.
  const std::string subs = "/v1/channels/{channel}/subscribers";
  routes.add(
      {"GET", subs, subscriber_readers, "", 0, handler(e.subscribers, &SubscribersApi::count)});
  routes.add({"POST", subs, admins, json, 0, handler(e.subscribers, &SubscribersApi::add)});
  routes.add({"POST", subs + "/import", admins, "text/csv", import_body_limit,
              handler(e.subscribers, &SubscribersApi::import)});
  routes.add({"DELETE", subs + "/{address}", admins, "", 0,
              handler(e.subscribers, &SubscribersApi::remove)});
  routes.add({"POST", subs + "/{address}/erase", admins, "", 0,
              handler(e.subscribers, &SubscribersApi::erase)});
  routes.add({"GET", "/v1/pseudonyms/{pseudonym}", admins, "", 0,
              handler(e.subscribers, &SubscribersApi::resolve)});
  // The citizens' inbox: what citizens write, and the operators' replies.
  routes.add({"GET", "/v1/inbox", operators, "", 0, e.inbox_list});
  routes.add({"GET", "/v1/inbox/{id}", operators, "", 0, e.inbox_show});
  routes.add({"POST", "/v1/inbox/{id}/assign", operators, json, 0, e.inbox_assign});
  routes.add({"POST", "/v1/inbox/{id}/reply", operators, json, 0, e.inbox_reply});
  routes.add({"POST", "/v1/zones", admins, json, 16 << 20, handler(e.zones, &ZonesApi::save)});
  routes.add({"GET", "/v1/zones", everyone, "", 0, handler(e.zones, &ZonesApi::list)});
  routes.add({"DELETE", "/v1/zones/{name}", admins, "", 0, handler(e.zones, &ZonesApi::remove)});
  routes.add({"POST", "/v1/keys", admins, json, 0, handler(e.keys, &KeysApi::create)});
  routes.add({"GET", "/v1/keys", admins, "", 0, handler(e.keys, &KeysApi::list)});
  routes.add({"DELETE", "/v1/keys/{name}", admins, "", 0, handler(e.keys, &KeysApi::revoke)});
  routes.add(
      {"POST", "/v1/schedules", schedulers, json, 0, handler(e.schedules, &SchedulesApi::create)});
  routes.add(
      {"GET", "/v1/schedules", schedule_readers, "", 0, handler(e.schedules, &SchedulesApi::list)});
  routes.add({"GET", "/v1/schedules/{id}", schedule_readers, "", 0,
              handler(e.schedules, &SchedulesApi::get)});
  routes.add({"PATCH", "/v1/schedules/{id}", schedulers, json, 0,
              handler(e.schedules, &SchedulesApi::patch)});
  routes.add({"DELETE", "/v1/schedules/{id}", schedulers, "", 0,
              handler(e.schedules, &SchedulesApi::remove)});

  // Who the caller is and how the channels are: the console's first calls.
  routes.add({"GET", "/v1/me", everyone, "", 0, handler(e.status, &StatusApi::me)});
  routes.add({"GET", "/v1/status", everyone, "", 0, handler(e.status, &StatusApi::status)});

  // Without a key. Health and Prometheus (they name channels, never targets or secrets).
  routes.add(
      {"GET", "/healthz", nobody_in_particular, "", 0, [](const Call&) { return healthz(); }});
  routes.add({"GET", "/readyz", nobody_in_particular, "", 0, e.readyz});
  routes.add(
      {"GET", "/metrics", nobody_in_particular, "", 0, handler(e.metrics, &MetricsApi::scrape)});
  // The platforms' webhooks: each platform's own signature or secret token. WhatsApp
  // batches up to 3 MB.
  routes.add({"GET", "/webhooks/{channel}", nobody_in_particular, "", 0, e.webhook_verify});
  routes.add(
      {"POST", "/webhooks/{channel}", nobody_in_particular, json, 4 << 20, e.webhook_receive});
  // The public archive, by design.
  routes.add({"GET", "/public/alerts.atom", nobody_in_particular, "", 0,
              handler(e.archive, &ArchiveApi::feed)});
  routes.add({"GET", "/public/alerts/{name}", nobody_in_particular, "", 0,
              handler(e.archive, &ArchiveApi::alert)});
  // The audit log, checkable by anyone.
  routes.add({"GET", "/public/alerts/{id}/proof", nobody_in_particular, "", 0,
              handler(e.public_audit, &PublicAuditApi::alert_proof)});
  routes.add({"GET", "/public/audit/heads", nobody_in_particular, "", 0,
              handler(e.public_audit, &PublicAuditApi::heads)});
  routes.add({"GET", "/public/audit/consistency", nobody_in_particular, "", 0,
              handler(e.public_audit, &PublicAuditApi::consistency)});
  // The console's files; what it shows comes from the API, under the key its user typed.
  routes.add({"GET", "/console", nobody_in_particular, "", 0, e.console});
  routes.add({"GET", "/console/{file}", nobody_in_particular, "", 0, e.console});
  routes.add({"GET", "/v1/openapi.json", nobody_in_particular, "", 0,
              [](const Call&) { return http::Response::json(200, openapi_document()); }});
}

void check_routes_against_openapi(const RouteTable& routes) {
  const auto wrong = openapi_mismatches(boost::json::parse(openapi_document()), routes.routes());
  if (wrong.empty()) return;
  std::string list;
  for (const auto& w : wrong) list += "\n  " + w;
  throw std::logic_error("docs/openapi.json does not describe the routes:" + list);
}

}  // namespace araldo::api
