#pragma once
// What happens after an attempt: one pure function of (policy, outcome, attempt number,
// a random draw), so the curve is tested on its own without clocks or databases.
#include <chrono>
#include <optional>
#include <string>

#include "channels/outcome.hpp"

namespace araldo::dispatch {

struct RetryPolicy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{300'000};
  double jitter = 0.2;    // ± fraction, so retries of one outage do not arrive in lockstep
  int max_attempts = 12;  // transient failures only; a signalled wait never uses one up
  // A channel whose credentials were refused: its deliveries wait this long (not fail),
  // so fixing the token and restarting sends everything that queued up meanwhile.
  std::chrono::milliseconds channel_failure_pause{300'000};
};

struct Decision {
  std::string next_state;  // sent / retrying / failed
  std::optional<std::chrono::milliseconds> retry_in;
  std::string reason;  // why it failed or waits; empty when sent
};

// Exponential: base·2^(attempt-1), capped, then ±jitter. `random01` is in [0, 1).
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt, double random01);

Decision decide(const RetryPolicy& policy, const channels::Outcome& outcome, int attempt,
                double random01);

}  // namespace araldo::dispatch
