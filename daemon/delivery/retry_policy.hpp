#pragma once
// What happens after an attempt: one pure function of (policy, outcome, attempt number,
// a random draw), so the curve is tested on its own without clocks or databases.
#include <chrono>
#include <optional>
#include <string>

#include "channels/outcome.hpp"
#include "daemon/model/delivery_state.hpp"

namespace araldo::delivery {

struct RetryPolicy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{300'000};
  double jitter = 0.2;  // ± fraction, so retries of one outage do not arrive in lockstep
  // How long an alert without an expiry time stays worth sending: transient failures of
  // any alert are retried until it expires (or this long after it was accepted).
  std::chrono::milliseconds validity_without_expiry{24LL * 3600 * 1000};
  // A channel whose credentials were refused: its deliveries wait this long (not fail),
  // so fixing the token and restarting sends everything that queued up meanwhile.
  std::chrono::milliseconds channel_failure_pause{300'000};
};

struct Decision {
  model::DeliveryState next_state;  // sent, retrying or failed
  std::optional<std::chrono::milliseconds> retry_in;
  std::string reason;  // why it failed or waits; empty when sent
};

// Exponential: base·2^(attempt-1), capped, then ±jitter. `random01` is in [0, 1).
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt, double random01);

// `valid_for`: how long the alert stays valid from now. Nothing is given up while it is.
Decision decide(const RetryPolicy& policy, const channels::Outcome& outcome, int attempt,
                double random01, std::chrono::milliseconds valid_for);

}  // namespace araldo::delivery
