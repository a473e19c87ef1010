#pragma once
// GET /metrics: the Prometheus text exposition. Counters and histograms are this
// daemon's own; the queue, the rate limiter, the audit log's sealing and the inbound
// backlog are read from the database at each scrape, so every daemon reports the same.
#include <functional>
#include <map>

#include "daemon/api/channel_state.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/metrics/registry.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class MetricsApi {
 public:
  // channel_states: each channel's state now (ok, throttled, stopped).
  MetricsApi(store::Database& db, metrics::Registry& metrics, ChannelStates channel_states);
  http::Response scrape(const Call& call);

 private:
  store::Database& db_;
  metrics::Registry& metrics_;
  ChannelStates channel_states_;
};

}  // namespace araldo::api
