#pragma once
// GET /metrics: the Prometheus text exposition. Counters and histograms are this
// daemon's own; the queue, the rate limiter, the audit log's sealing and the inbound
// backlog are read from the database, so every daemon reports the same. Those aggregate
// queries run at most once per `refresh` whoever scrapes and however often (the route
// needs no API key): scraping cannot load the database. With `metrics.bearer_token` in
// the configuration, only a scraper that sends it is answered.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "daemon/api/channel_state.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/metrics/registry.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/operations_store.hpp"

namespace araldo::api {

class MetricsApi {
 public:
  // channel_states: each channel's state now (ok, throttled, stopped).
  MetricsApi(store::Database& db, metrics::Registry& metrics, ChannelStates channel_states,
             std::chrono::milliseconds refresh = std::chrono::seconds(1),
             std::optional<config::Secret> bearer_token = std::nullopt);
  http::Response scrape(const Call& call);

 private:
  // The database's figures, read again only when the last reading is older than refresh_;
  // concurrent scrapes wait for one reading instead of each running the queries.
  std::optional<store::OperationsSnapshot> database_figures();

  store::Database& db_;
  metrics::Registry& metrics_;
  ChannelStates channel_states_;
  std::chrono::milliseconds refresh_;
  std::optional<config::Secret> bearer_token_;
  std::mutex snapshot_mutex_;
  std::optional<store::OperationsSnapshot> snapshot_;
  std::optional<std::chrono::steady_clock::time_point> read_at_;
};

}  // namespace araldo::api
