#include "daemon/delivery/rate_slots.hpp"

#include <algorithm>
#include <cmath>

namespace araldo::delivery {

RateClock RateShape::spacing() const {
  return RateClock(std::max<long long>(1, std::llround(1e6 / per_second)));
}

RateClock RateShape::tolerance() const {
  return spacing() * static_cast<long long>(std::max(0.0, std::floor(burst) - 1));
}

SlotGrant grant_slots(RateClock next_free, RateClock now, const RateShape& shape,
                      RateClock lookahead, int wanted) {
  SlotGrant g;
  g.spacing = shape.spacing();
  // An idle channel's unused past is worth at most one burst.
  g.first = std::max(next_free, now - shape.tolerance());
  const auto horizon = now + lookahead;
  if (wanted <= 0 || g.first > horizon) return g;
  const long long fit = (horizon - g.first) / g.spacing + 1;
  g.count = static_cast<int>(std::min<long long>(fit, wanted));
  return g;
}

RateShape catch_up_shape(RateShape platform) {
  const double burst = std::floor(platform.burst);
  // Kept back: a second's refill, but never more than half the burst.
  const double kept = std::min(std::ceil(burst / 2), std::max(1.0, std::ceil(platform.per_second)));
  return {platform.per_second, std::max(1.0, burst - kept)};
}

RateClock RateGate::next_conforming(RateClock now) const {
  return std::max(now, next_free_);
}

void RateGate::take(RateClock now) {
  next_free_ = std::max(next_free_, now - shape_.tolerance()) + shape_.spacing();
}

}  // namespace araldo::delivery
