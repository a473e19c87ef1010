#include "daemon/delivery/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace araldo::delivery {

std::chrono::milliseconds backoff(const RetryPolicy& p, int attempt, double random01) {
  const double exponent = std::clamp(attempt - 1, 0, 40);
  const double raw = std::min(static_cast<double>(p.cap.count()),
                              static_cast<double>(p.base.count()) * std::pow(2.0, exponent));
  const double factor = 1.0 + p.jitter * (2.0 * random01 - 1.0);
  return std::chrono::milliseconds(static_cast<long long>(std::max(0.0, raw * factor)));
}

Decision decide(const RetryPolicy& p, const channels::Outcome& o, int attempt, double random01,
                std::chrono::milliseconds valid_for) {
  using Kind = channels::Outcome::Kind;
  using State = model::DeliveryState;
  switch (o.kind) {
    case Kind::delivered:
      return {State::sent, std::nullopt, ""};
    case Kind::retry_after:
      return {State::retrying, std::chrono::duration_cast<std::chrono::milliseconds>(o.wait),
              o.reason};
    case Kind::permanent:
      if (o.scope == channels::Scope::channel) {
        return {State::retrying, p.channel_failure_pause, "channel stopped: " + o.reason};
      }
      return {State::failed, std::nullopt, o.reason};
    case Kind::transient:
      if (valid_for <= std::chrono::milliseconds(0)) {
        return {State::failed, std::nullopt,
                "gave up after " + std::to_string(attempt) +
                    " attempts, the alert is no longer valid: " + o.reason};
      }
      // No sooner than the backoff, and no later than the alert's last valid moment.
      return {State::retrying, std::min(backoff(p, attempt, random01), valid_for), o.reason};
  }
  return {State::failed, std::nullopt, "unknown outcome"};
}

}  // namespace araldo::delivery
