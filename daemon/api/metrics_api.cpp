#include "daemon/api/metrics_api.hpp"

#include "channels/inbound/inbound.hpp"
#include "daemon/http/problem.hpp"

#include <spdlog/spdlog.h>

#include "daemon/store/operations_store.hpp"

namespace araldo::api {

MetricsApi::MetricsApi(store::Database& db, metrics::Registry& metrics,
                       ChannelStates channel_states, std::chrono::milliseconds refresh,
                       std::optional<config::Secret> bearer_token)
    : db_(db),
      metrics_(metrics),
      channel_states_(std::move(channel_states)),
      refresh_(refresh),
      bearer_token_(std::move(bearer_token)) {}

std::optional<store::OperationsSnapshot> MetricsApi::database_figures() {
  std::lock_guard lock(snapshot_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (read_at_ && now - *read_at_ < refresh_) return snapshot_;
  read_at_ = now;  // a database that is away is asked again only after refresh_ too
  try {
    snapshot_ = store::operations_snapshot(db_);
  } catch (const std::exception& e) {
    // The process's own figures are still worth having when the database is not.
    spdlog::warn("event=metrics.database_unavailable error=\"{}\"", e.what());
    snapshot_.reset();
  }
  return snapshot_;
}

http::Response MetricsApi::scrape(const Call& call) {
  if (bearer_token_) {
    const auto header = call.request.headers.find("Authorization");
    const std::string expected = "Bearer " + bearer_token_->reveal();
    if (!header || !channels::same_secret(*header, expected)) {
      auto r =
          http::unauthorized("this /metrics needs 'Authorization: Bearer <metrics.bearer_token>'")
              .to_response();
      r.headers.set("WWW-Authenticate", "Bearer realm=\"araldo-metrics\"");
      return r;
    }
  }
  auto& m = metrics_;
  const auto states = channel_states_();
  for (const auto& [channel, state] : states) {
    for (const char* s : {"ok", "throttled", "stopped"}) {
      m.set("araldo_channel_state", {{"channel", channel}, {"state", s}}, state.state == s ? 1 : 0);
    }
  }
  const auto pool = db_.pool_stats();
  m.set("araldo_db_pool_connections", {{"state", "size"}}, pool.size);
  m.set("araldo_db_pool_connections", {{"state", "open"}}, pool.open);
  m.set("araldo_db_pool_connections", {{"state", "idle"}}, pool.idle);
  m.set("araldo_db_pool_connections", {{"state", "waiting"}}, pool.waiting);
  if (const auto snapshot = database_figures()) {
    const auto& ops = *snapshot;
    for (const char* name :
         {"araldo_deliveries", "araldo_queue_due", "araldo_queue_oldest_due_age_seconds",
          "araldo_rate_slots_booked_seconds"}) {
      m.clear(name);
    }
    for (const auto& [key, n] : ops.unfinished) {
      m.set("araldo_deliveries", {{"channel", key.first}, {"state", key.second}},
            static_cast<double>(n));
    }
    // Every channel with a state gets a queue sample, 0 when nothing is due: an alert
    // rule on a growing queue needs the series to exist before it grows.
    for (const auto& [channel, state] : states) {
      const auto due = ops.due.find(channel);
      m.set("araldo_queue_due", {{"channel", channel}},
            due == ops.due.end() ? 0 : static_cast<double>(due->second));
      const auto age = ops.oldest_due_seconds.find(channel);
      m.set("araldo_queue_oldest_due_age_seconds", {{"channel", channel}},
            age == ops.oldest_due_seconds.end() ? 0 : std::max(0.0, age->second));
    }
    for (const auto& [channel, s] : ops.slots_booked_seconds) {
      m.set("araldo_rate_slots_booked_seconds", {{"channel", channel}}, s);
    }
    m.set("araldo_audit_unsealed_events", {}, static_cast<double>(ops.unsealed_events));
    m.set("araldo_audit_sealing_lag_seconds", {}, ops.sealing_lag_seconds);
    m.set("araldo_inbound_items_waiting", {}, static_cast<double>(ops.inbound_waiting));
  }
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = m.render();
  return r;
}

}  // namespace araldo::api
