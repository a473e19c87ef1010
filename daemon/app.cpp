#include "daemon/app.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <thread>

#include "daemon/api/alerts_api.hpp"
#include "daemon/api/deliveries_api.hpp"
#include "daemon/api/health_api.hpp"
#include "daemon/api/router.hpp"
#include "daemon/api/subscribers_api.hpp"
#include "daemon/audit/sequencer.hpp"
#include "daemon/dispatch/dispatcher.hpp"
#include "daemon/render/renderer.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/migrator.hpp"
#include "daemon/store/pg_delivery_queue.hpp"

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

  dispatch::Dispatcher dispatcher(
      cfg.dispatch, std::make_unique<store::PgDeliveryQueue>(cfg.database.url), cfg.channels);
  const auto new_work = [&] { dispatcher.new_work(); };
  api::AlertsApi alerts(db, cfg.channels, renderer, cfg.alert_defaults, new_work, cfg.intake);

  api::SubscribersApi subscribers(db, cfg.channels);
  api::DeliveriesApi deliveries(db, new_work);

  api::Router router;
  router.add("POST", "/v1/alerts", [&](const auto& req, const auto&) { return alerts.post(req); });
  router.add("GET", "/v1/alerts/{id}",
             [&](const auto& req, const auto& p) { return alerts.get(req, p.at("id")); });
  router.add("POST", "/v1/alerts/{id}/retry", [&](const auto& req, const auto& p) {
    return deliveries.retry_alert(req, p.at("id"));
  });
  router.add("POST", "/v1/alerts/{id}/cancel", [&](const auto& req, const auto& p) {
    return deliveries.cancel_alert(req, p.at("id"));
  });
  router.add("GET", "/v1/deliveries",
             [&](const auto& req, const auto&) { return deliveries.list(req); });
  router.add("POST", "/v1/deliveries/{id}/retry",
             [&](const auto& req, const auto& p) { return deliveries.retry_one(req, p.at("id")); });
  const std::string subs = "/v1/channels/{channel}/subscribers";
  router.add("GET", subs, [&](const auto& req, const auto& p) {
    return subscribers.count(req, p.at("channel"));
  });
  router.add("POST", subs,
             [&](const auto& req, const auto& p) { return subscribers.add(req, p.at("channel")); });
  router.add("POST", subs + "/import", [&](const auto& req, const auto& p) {
    return subscribers.import(req, p.at("channel"));
  });
  router.add("DELETE", subs + "/{address}", [&](const auto& req, const auto& p) {
    return subscribers.remove(req, p.at("channel"), p.at("address"));
  });
  router.add("GET", "/healthz", [](const auto&, const auto&) { return api::healthz(); });
  router.add("GET", "/readyz", [&](const auto&, const auto&) {
    return api::readyz(
        db, [&] { return dispatcher.database_connected(); },
        [&] {
          std::map<std::string, api::ChannelHealth> out;
          for (const auto& [name, s] : dispatcher.channel_status()) {
            out[name] = {s.state, s.reason, s.resumes_in_ms};
          }
          return out;
        });
  });

  http::HttpServer server(cfg.http, [&](const http::Request& r) { return router.handle(r); });
  std::jthread dispatch_thread([&](std::stop_token st) { dispatcher.run(st); });
  audit::Sequencer sequencer(cfg.audit.signing_key);
  std::jthread seal_thread(
      [&](std::stop_token st) { sequencer.run(cfg.database.url, cfg.audit.seal_interval, st); });
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
  server.stop();
  dispatch_thread.request_stop();
  dispatch_thread.join();
  seal_thread.request_stop();  // after the dispatcher's last writes, so they are sealed too
  seal_thread.join();
  spdlog::info("event=shutdown.done");
  return 0;
}

}  // namespace araldo
