#include "daemon/app.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

#include "daemon/api/auth.hpp"
#include "daemon/api/channel_state.hpp"
#include "daemon/api/cursor.hpp"
#include "daemon/api/health_api.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/audit/head_signer.hpp"
#include "daemon/audit/sequencer.hpp"
#include "daemon/console/console_files.hpp"
#include "daemon/dispatch/dispatcher.hpp"
#include "daemon/inbound/inbound_worker.hpp"
#include "daemon/inbound/inbox_api.hpp"
#include "daemon/inbound/update_poller.hpp"
#include "daemon/inbound/webhook_api.hpp"
#include "daemon/intake/approval_expiry.hpp"
#include "daemon/intake/fanout_expander.hpp"
#include "daemon/metrics/araldo_metrics.hpp"
#include "daemon/render/renderer.hpp"
#include "daemon/retention/retention_sweeper.hpp"
#include "daemon/schedule/schedule_runner.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/migrator.hpp"
#include "daemon/store/pg_delivery_queue.hpp"
#include "daemon/text/digest.hpp"
#include "daemon/workers.hpp"

namespace araldo {

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

  // Citizens by pseudonym. Without a configured key no channel takes subscribers
  // (app_config requires one then), so no pseudonym is ever stored: a key of this process
  // serves.
  const privacy::Pseudonyms pseudonyms(cfg.privacy.pseudonym_key
                                           ? *cfg.privacy.pseudonym_key
                                           : config::Secret(text::random_hex(32)));

  // Sending: the dispatcher, and what it reports to /metrics.
  metrics::Registry metrics;
  metrics::describe_all(metrics);
  dispatch::Dispatcher dispatcher(
      cfg.dispatch, std::make_unique<store::PgDeliveryQueue>(cfg.database.url, pseudonyms),
      cfg.channels);
  dispatcher.observe([&](const delivery::AttemptRecord& rec, const delivery::Recorded& recorded) {
    metrics::count_attempt(metrics, rec, recorded);
  });
  dispatcher.observe_refusals([&](int n) {
    metrics.inc("araldo_store_refused_rows_total", {{"statement", "claim_or_sweep"}}, n);
  });
  // Audiences accepted as rules are written after the 202, a chunk at a time.
  intake::FanoutExpander expander(db, cfg.alerts.fanout, pseudonyms,
                                  [&] { dispatcher.new_work(); });
  const auto new_work = [&] {
    dispatcher.new_work();
    expander.notify();
  };

  // Accepting: alerts, corrections, schedules, and what citizens write back.
  intake::AlertIntake intake(db, cfg.channels, renderer, cfg.alerts.defaults, new_work,
                             cfg.alerts.commit, cfg.alerts.approval);
  intake::Corrections corrections(db, cfg.channels, renderer, intake);
  inbound::InboundWorker inbound_worker(db, cfg.channels, metrics, pseudonyms);
  const auto new_inbound = [&] { inbound_worker.notify(); };
  inbound::RefusalTally webhook_refusals(db);
  inbound::WebhookApi webhooks(db, cfg.channels, metrics, webhook_refusals, cfg.replay_window,
                               new_inbound);

  // The API. Listing cursors are signed with a key every daemon sharing the audit key
  // derives alike.
  const auto signing_key = cfg.audit.signing_key
                               ? std::optional<std::string>(cfg.audit.signing_key->reveal())
                               : std::nullopt;
  const auto channel_states = api::channel_states(cfg.channels, dispatcher);
  api::AlertsApi alerts(intake, corrections, db, pseudonyms);
  api::ApprovalsApi approvals(db, new_work);
  api::CorrectionsApi corrections_api(corrections, new_work);
  api::DeliveriesApi deliveries(db, pseudonyms, new_work);
  api::ListingApi listing(
      db, api::CursorCodec(api::cursor_secret(signing_key ? &*signing_key : nullptr)));
  // The key auditors pin: said at start, in /v1/status, and what /v1/audit/verify checks.
  const auto audit_public_key =
      cfg.audit.signing_key
          ? std::optional<std::string>(
                audit::HeadSigner(cfg.audit.signing_key->reveal()).public_key_hex())
          : std::nullopt;
  spdlog::info("event=audit.public_key key={}", audit_public_key.value_or("none (unsigned)"));
  api::AuditApi audit_api(cfg.database.url, audit_public_key);
  api::ExportApi exports(cfg.database.url, db, pseudonyms);
  api::SubscribersApi subscribers(db, cfg.channels, pseudonyms);
  api::KeysApi keys(db);
  api::ZonesApi zones(db);
  // Half the HTTP threads at most wait on a platform for a reply; the rest serve alerts.
  inbound::InboxApi inbox(db, cfg.channels, pseudonyms, cfg.http.threads / 2);
  api::SchedulesApi schedules(db, intake);
  api::ArchiveApi archive(db, cfg.alerts.defaults);
  api::PublicAuditApi public_audit(db);
  api::MetricsApi metrics_api(db, metrics, channel_states, std::chrono::seconds(1),
                              cfg.metrics_token);
  api::StatusApi status_api(db, channel_states, audit_public_key, cfg.alerts.defaults.time_zone);
  api::RouteTable routes(db, cfg.http.body_limit);
  api::add_routes(routes,
                  {alerts,
                   approvals,
                   corrections_api,
                   deliveries,
                   listing,
                   audit_api,
                   exports,
                   subscribers,
                   keys,
                   zones,
                   schedules,
                   archive,
                   public_audit,
                   metrics_api,
                   status_api,
                   [&](const api::Call&) {
                     return api::readyz(
                         db, [&] { return dispatcher.database_connected(); }, channel_states);
                   },
                   [&](const api::Call& c) { return webhooks.verify(c); },
                   [&](const api::Call& c) { return webhooks.receive(c); },
                   console::serve,
                   [&](const api::Call& c) { return inbox.list(c); },
                   [&](const api::Call& c) { return inbox.show(c); },
                   [&](const api::Call& c) { return inbox.assign(c); },
                   [&](const api::Call& c) { return inbox.reply(c); },
                   metrics},
                  cfg.http.import_body_limit);
  // A route added without its entry in the OpenAPI document (or the reverse) stops the
  // daemon here, and with it every end-to-end test.
  api::check_routes_against_openapi(routes);
  http::HttpServer server(cfg.http, [&](const http::Request& r) { return routes.admit(r); });

  audit::Sequencer sequencer(cfg.audit.signing_key);
  schedule::ScheduleRunner schedule_runner(db, intake, cfg.schedules);
  const auto poll_owner =
      cfg.dispatch.worker_id.empty() ? dispatch::make_worker_id() : cfg.dispatch.worker_id;
  std::vector<std::pair<std::string, std::unique_ptr<inbound::UpdatePoller>>> pollers;
  for (const auto* c : cfg.channels.enabled()) {
    if (c->inbound() && c->inbound()->polls()) {
      pollers.emplace_back(c->name(),
                           std::make_unique<inbound::UpdatePoller>(db, *c, poll_owner, metrics,
                                                                   cfg.replay_window, new_inbound));
    }
  }

  // Consumers first, producers last (stopped in the reverse order): the sealer stops
  // after the dispatcher's last writes, so they are sealed too; the dispatcher lets
  // in-flight sends finish and hands back what is left, after the intake has stopped.
  Workers workers;
  workers.add("sealer", [&](std::stop_token st) {
    sequencer.run(cfg.database.url, cfg.audit.seal_interval, st);
  });
  workers.add("dispatcher", [&](std::stop_token st) { dispatcher.run(st); });
  workers.add("fanout", [&](std::stop_token st) { expander.run(st); });
  workers.add("webhook_refusals", [&](std::stop_token st) { webhook_refusals.run(st); });
  workers.every("approval_expiry", std::chrono::seconds(1), [&] { intake::expire_approvals(db); });
  workers.every("retention", retention::sweep_interval, [&] {
    retention::sweep_once(db, pseudonyms, cfg.replay_window.length, cfg.privacy.retention);
  });
  // Telling the platforms where webhooks go may wait on them: not on the start's path.
  workers.add("inbound", [&](std::stop_token st) {
    inbound::register_inbound(cfg.channels.enabled());
    inbound_worker.run(st);
  });
  for (auto& [channel, poller] : pollers) {
    workers.add("poller:" + channel, [p = poller.get()](std::stop_token st) { p->run(st); });
  }
  workers.add(
      "http",
      [&] {
        const auto port = server.start();
        spdlog::info("event=http.listening url=http://{}:{} channels={}",
                     cfg.http.address.find(':') != std::string::npos ? "[" + cfg.http.address + "]"
                                                                     : cfg.http.address,
                     port, cfg.channels.all().size());
      },
      [&] {
        server.stop_accepting();
        server.stop();
      });
  workers.add("schedules", [&](std::stop_token st) { schedule_runner.run(st); });
  workers.start_all();

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("event=shutdown.requested signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  workers.stop_all();
  spdlog::info("event=shutdown.done");
  return 0;
}

}  // namespace araldo
