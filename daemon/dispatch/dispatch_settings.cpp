#include "daemon/dispatch/dispatch_settings.hpp"

namespace araldo::dispatch {

DispatchOptions read_dispatch_settings(config::Section& d) {
  DispatchOptions o;
  o.worker_id = d.optional_string("worker_id", "");
  o.max_in_flight = static_cast<int>(d.integer("max_in_flight", 64, 1, 10'000));
  o.request_timeout = d.millis("request_timeout_ms", o.request_timeout);
  o.lease = d.millis("lease_ms", o.lease);
  o.sweep_interval = d.millis("sweep_interval_ms", o.sweep_interval);
  o.shutdown_grace = d.millis("shutdown_grace_ms", o.shutdown_grace);
  o.lookahead = d.millis("lookahead_ms", o.lookahead);
  o.retry.base = d.millis("backoff_base_ms", o.retry.base);
  o.retry.cap = d.millis("backoff_cap_ms", o.retry.cap);
  o.retry.validity_without_expiry =
      d.millis("validity_without_expiry_ms", o.retry.validity_without_expiry);
  o.retry.channel_failure_pause =
      d.millis("channel_failure_pause_ms", o.retry.channel_failure_pause);
  d.reject_unknown_keys();
  if (o.lease - o.lease / 10 <= o.request_timeout + o.lookahead) {
    // Otherwise a send claimed ahead, or slow but healthy, would be claimed again by
    // another worker. The tenth is the send thread's margin for writing the answer
    // (SendLoop::send_by).
    throw config::ConfigError(d.path() + ".lease_ms: must be longer than (" + d.path() +
                              ".request_timeout_ms + " + d.path() +
                              ".lookahead_ms) × 10/9, to leave a tenth of the lease for "
                              "writing the answer");
  }
  return o;
}

}  // namespace araldo::dispatch
