#include "daemon/app.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include "daemon/api/alerts_api.hpp"
#include "daemon/api/approvals_api.hpp"
#include "daemon/api/archive_api.hpp"
#include "daemon/api/audit_api.hpp"
#include "daemon/api/corrections_api.hpp"
#include "daemon/api/deliveries_api.hpp"
#include "daemon/api/export_api.hpp"
#include "daemon/api/health_api.hpp"
#include "daemon/api/keys_api.hpp"
#include "daemon/api/listing_api.hpp"
#include "daemon/api/metrics_api.hpp"
#include "daemon/api/openapi.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/api/schedules_api.hpp"
#include "daemon/api/status_api.hpp"
#include "daemon/api/subscribers_api.hpp"
#include "daemon/audit/sequencer.hpp"
#include "daemon/cap/cap_writer.hpp"
#include "daemon/console/console_files.hpp"
#include "daemon/dispatch/dispatcher.hpp"
#include "daemon/inbound/inbound_worker.hpp"
#include "daemon/inbound/update_poller.hpp"
#include "daemon/inbound/webhook_api.hpp"
#include "daemon/metrics/araldo_metrics.hpp"
#include "daemon/render/renderer.hpp"
#include "daemon/store/approval_store.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/migrator.hpp"
#include "daemon/store/pg_delivery_queue.hpp"

namespace araldo {
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

}  // namespace

int serve(config::Config& cfg) {
  // Signals are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  store::Database db(cfg.database.url, cfg.database.pool_size);
  if (cfg.database.migrate_on_start) {
    const auto applied = store::apply_migrations(db);
    for (int v : applied) spdlog::info("event=schema.migrated version={}", v);
  }

  render::Renderer renderer(cfg.templates_dir);
  for (const auto& channel : cfg.channels.all()) renderer.check(*channel);

  dispatch::Dispatcher dispatcher(
      cfg.dispatch, std::make_unique<store::PgDeliveryQueue>(cfg.database.url), cfg.channels);
  const auto new_work = [&] { dispatcher.new_work(); };
  intake::AlertIntake intake(db, cfg.channels, renderer, cfg.alert_defaults, new_work, cfg.intake,
                             cfg.approval);
  intake::Corrections corrections(db, cfg.channels, renderer, intake);
  api::AlertsApi alerts(intake, corrections, db);
  api::SchedulesApi schedules(db, intake);

  api::SubscribersApi subscribers(db, cfg.channels);
  api::DeliveriesApi deliveries(db, new_work);

  metrics::Registry metrics;
  metrics::describe_all(metrics);
  dispatcher.observe([&](const delivery::AttemptRecord& rec, const delivery::Recorded& recorded) {
    metrics::count_attempt(metrics, rec, recorded);
  });
  dispatcher.observe_refusals([&](int n) {
    metrics.inc("araldo_store_refused_rows_total", {{"statement", "claim_or_sweep"}}, n);
  });
  inbound::InboundWorker inbound_worker(db, cfg.channels, metrics);
  inbound::WebhookApi webhooks(db, cfg.channels, metrics, [&] { inbound_worker.notify(); });

  api::KeysApi keys(db);
  // Cursors signed with a key every daemon sharing the audit key derives alike.
  const auto signing_key = cfg.audit.signing_key
                               ? std::optional<std::string>(cfg.audit.signing_key->reveal())
                               : std::nullopt;
  api::ListingApi listing(
      db, api::CursorCodec(api::cursor_secret(signing_key ? &*signing_key : nullptr)));

  // Every endpoint, who may call it, and what body it takes.
  using api::Role;
  const std::vector<Role> senders{Role::Operator, Role::Scheduler};
  const std::vector<Role> operators{Role::Operator};
  const std::vector<Role> readers{Role::Operator, Role::Scheduler, Role::Auditor};
  const std::vector<Role> delivery_readers{Role::Operator, Role::Auditor};
  const std::vector<Role> admins{Role::Admin};
  const std::vector<Role> subscriber_readers{Role::Operator, Role::Auditor, Role::Admin};
  const std::string json = "application/json";
  auto handler = [](auto& api, auto method) {
    return [&api, method](const api::Call& call) { return (api.*method)(call); };
  };
  api::RouteTable routes(db, cfg.http.body_limit);
  routes.add({"POST", "/v1/alerts", senders, json + ", " + cap::cap_media_type, 0,
              [&](const api::Call& call) {
                auto r = alerts.post(call);
                count_submission(metrics, r);
                return r;
              }});
  routes.add(
      {"POST", "/v1/alerts/preview", senders, json, 0, handler(alerts, &api::AlertsApi::preview)});
  routes.add({"GET", "/v1/alerts", readers, "", 0, handler(listing, &api::ListingApi::alerts)});
  routes.add(
      {"GET", "/v1/audit", delivery_readers, "", 0, handler(listing, &api::ListingApi::audit)});
  api::AuditApi audit_api(cfg.database.url);
  api::ExportApi exports(cfg.database.url, db);
  routes.add({"GET", "/v1/audit/export", delivery_readers, "", 0,
              handler(exports, &api::ExportApi::audit)});
  routes.add({"GET", "/v1/deliveries/export", delivery_readers, "", 0,
              handler(exports, &api::ExportApi::deliveries)});
  routes.add({"GET",
              "/v1/audit/verify",
              {Role::Auditor, Role::Admin},
              "",
              0,
              handler(audit_api, &api::AuditApi::verify)});
  routes.add({"GET", "/v1/alerts/{id}", readers, "", 0, handler(alerts, &api::AlertsApi::get)});
  routes.add({"POST", "/v1/alerts/{id}/retry", operators, "", 0,
              handler(deliveries, &api::DeliveriesApi::retry_alert)});
  api::ApprovalsApi approvals(db, new_work);
  routes.add({"POST", "/v1/alerts/{id}/approve", operators, "", 0,
              handler(approvals, &api::ApprovalsApi::approve)});
  routes.add({"POST", "/v1/alerts/{id}/reject", operators, json, 0,
              handler(approvals, &api::ApprovalsApi::reject)});
  api::CorrectionsApi corrections_api(corrections, new_work);
  routes.add({"POST", "/v1/alerts/{id}/cancel", operators, "", 0,
              handler(corrections_api, &api::CorrectionsApi::cancel)});
  routes.add({"POST", "/v1/alerts/{id}/update", operators, json, 0,
              handler(corrections_api, &api::CorrectionsApi::update)});
  routes.add({"GET", "/v1/deliveries", delivery_readers, "", 0,
              handler(deliveries, &api::DeliveriesApi::list)});
  routes.add({"POST", "/v1/deliveries/{id}/retry", operators, "", 0,
              handler(deliveries, &api::DeliveriesApi::retry_one)});
  const std::string subs = "/v1/channels/{channel}/subscribers";
  routes.add(
      {"GET", subs, subscriber_readers, "", 0, handler(subscribers, &api::SubscribersApi::count)});
  routes.add({"POST", subs, admins, json, 0, handler(subscribers, &api::SubscribersApi::add)});
  routes.add({"POST", subs + "/import", admins, "text/csv", cfg.http.import_body_limit,
              handler(subscribers, &api::SubscribersApi::import)});
  routes.add({"DELETE", subs + "/{address}", admins, "", 0,
              handler(subscribers, &api::SubscribersApi::remove)});
  routes.add({"POST", "/v1/keys", admins, json, 0, handler(keys, &api::KeysApi::create)});
  routes.add({"GET", "/v1/keys", admins, "", 0, handler(keys, &api::KeysApi::list)});
  routes.add({"DELETE", "/v1/keys/{name}", admins, "", 0, handler(keys, &api::KeysApi::revoke)});
  const std::vector<Role> schedulers{Role::Scheduler, Role::Admin};
  const std::vector<Role> schedule_readers{Role::Scheduler, Role::Admin, Role::Operator,
                                           Role::Auditor};
  routes.add({"POST", "/v1/schedules", schedulers, json, 0,
              handler(schedules, &api::SchedulesApi::create)});
  routes.add({"GET", "/v1/schedules", schedule_readers, "", 0,
              handler(schedules, &api::SchedulesApi::list)});
  routes.add({"GET", "/v1/schedules/{id}", schedule_readers, "", 0,
              handler(schedules, &api::SchedulesApi::get)});
  routes.add({"PATCH", "/v1/schedules/{id}", schedulers, json, 0,
              handler(schedules, &api::SchedulesApi::patch)});
  routes.add({"DELETE", "/v1/schedules/{id}", schedulers, "", 0,
              handler(schedules, &api::SchedulesApi::remove)});
  routes.add({"GET", "/healthz", {}, "", 0, [](const api::Call&) { return api::healthz(); }});
  // The platforms' webhooks: no key; each platform's own signature or secret token.
  // WhatsApp batches up to 3 MB.
  routes.add(
      {"GET", "/webhooks/{channel}", {}, "", 0, handler(webhooks, &inbound::WebhookApi::verify)});
  routes.add({"POST",
              "/webhooks/{channel}",
              {},
              json,
              4 << 20,
              handler(webhooks, &inbound::WebhookApi::receive)});
  // The public archive: no key, by design.
  api::ArchiveApi archive(db, cfg.public_url);
  routes.add({"GET", "/public/alerts.atom", {}, "", 0, handler(archive, &api::ArchiveApi::feed)});
  routes.add(
      {"GET", "/public/alerts/{name}", {}, "", 0, handler(archive, &api::ArchiveApi::alert)});
  // Each channel as /readyz, /metrics and /v1/status show it: one type, made here.
  const api::ChannelStates channel_states = [&] {
    std::map<std::string, api::ChannelState> out;
    const auto status = dispatcher.channel_status();
    for (const auto& c : cfg.channels.all()) {
      auto& state = out[c->name()];
      state.type = c->settings().type;
      state.enabled = c->settings().enabled;
      if (const auto it = status.find(c->name()); it != status.end()) {
        state.state = it->second.state;
        state.reason = it->second.reason;
        state.resumes_in_ms = it->second.resumes_in_ms;
      }
      for (const auto& t : c->targets()) state.targets.push_back(t.address);
    }
    return out;
  };
  routes.add({"GET", "/readyz", {}, "", 0, [&](const api::Call&) {
                return api::readyz(
                    db, [&] { return dispatcher.database_connected(); }, channel_states);
              }});

  // For Prometheus: no key, like /readyz (it names channels, never targets or secrets).
  api::MetricsApi metrics_api(db, metrics, channel_states);
  routes.add({"GET", "/metrics", {}, "", 0, handler(metrics_api, &api::MetricsApi::scrape)});
  // The console: its files need no key; what it shows comes from the API, under the key
  // its user typed.
  api::StatusApi status_api(db, channel_states);
  const std::vector<Role> everyone{Role::Operator, Role::Scheduler, Role::Auditor, Role::Admin};
  routes.add({"GET", "/v1/me", everyone, "", 0, handler(status_api, &api::StatusApi::me)});
  routes.add({"GET", "/v1/status", everyone, "", 0, handler(status_api, &api::StatusApi::status)});
  routes.add({"GET", "/console", {}, "", 0, console::serve});
  routes.add({"GET", "/console/{file}", {}, "", 0, console::serve});
  routes.add({"GET", "/v1/openapi.json", {}, "", 0, [](const api::Call&) {
                return http::Response::json(200, api::openapi_document());
              }});
  // The published description must be the API served: a route added without its entry
  // (or the reverse) stops the daemon here, and with it every end-to-end test.
  if (const auto wrong =
          api::openapi_mismatches(boost::json::parse(api::openapi_document()), routes.routes());
      !wrong.empty()) {
    std::string list;
    for (const auto& w : wrong) list += "\n  " + w;
    throw std::logic_error("docs/openapi.json does not describe the routes:" + list);
  }

  http::HttpServer server(cfg.http, [&](const http::Request& r) { return routes.admit(r); });
  std::jthread dispatch_thread([&](std::stop_token st) { dispatcher.run(st); });
  audit::Sequencer sequencer(cfg.audit.signing_key);
  std::jthread seal_thread(
      [&](std::stop_token st) { sequencer.run(cfg.database.url, cfg.audit.seal_interval, st); });
  schedule::ScheduleRunner schedule_runner(db, intake, cfg.schedules);
  std::jthread schedule_thread([&](std::stop_token st) { schedule_runner.run(st); });
  // Approval requests nobody answered in time end with nothing sent (any daemon may do it).
  std::jthread approval_thread([&](std::stop_token st) {
    while (!st.stop_requested()) {
      try {
        if (const int n = store::expire_approvals(db)) {
          spdlog::warn("event=alert.approval_expired alerts={}", n);
        }
      } catch (const std::exception& e) {
        spdlog::error("event=approval.sweep_failed error=\"{}\"", e.what());
      }
      std::mutex m;
      std::unique_lock lock(m);
      std::condition_variable_any().wait_for(lock, st, std::chrono::seconds(1),
                                             [] { return false; });
    }
  });
  // Telling the platforms where webhooks go may wait on them: not on the start's path.
  std::jthread inbound_thread([&](std::stop_token st) {
    inbound::register_inbound(cfg.channels.enabled());
    inbound_worker.run(st);
  });
  const auto poll_owner =
      cfg.dispatch.worker_id.empty() ? dispatch::make_worker_id() : cfg.dispatch.worker_id;
  std::vector<std::unique_ptr<inbound::UpdatePoller>> pollers;
  std::vector<std::jthread> poller_threads;
  for (const auto* c : cfg.channels.enabled()) {
    if (!c->inbound() || !c->inbound()->polls()) continue;
    pollers.push_back(std::make_unique<inbound::UpdatePoller>(db, *c, poll_owner, metrics,
                                                              [&] { inbound_worker.notify(); }));
    poller_threads.emplace_back([p = pollers.back().get()](std::stop_token st) { p->run(st); });
  }
  const auto port = server.start();
  spdlog::info("event=http.listening url=http://{}:{} channels={}",
               cfg.http.address.find(':') != std::string::npos ? "[" + cfg.http.address + "]"
                                                               : cfg.http.address,
               port, cfg.channels.all().size());

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("event=shutdown.requested signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  // Intake first, so nothing is accepted that the dispatcher will not see; then let
  // in-flight sends finish and hand back what is left.
  server.stop_accepting();
  schedule_thread.request_stop();
  schedule_thread.join();
  server.stop();
  for (auto& t : poller_threads) t.request_stop();
  poller_threads.clear();  // joins
  inbound_thread.request_stop();
  inbound_thread.join();
  dispatch_thread.request_stop();
  dispatch_thread.join();
  seal_thread.request_stop();  // after the dispatcher's last writes, so they are sealed too
  seal_thread.join();
  spdlog::info("event=shutdown.done");
  return 0;
}

}  // namespace araldo
