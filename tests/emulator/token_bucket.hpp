#pragma once
// A token bucket: `rate` tokens a second, holding at most `burst`. take() says how long
// to wait when empty, which is what a platform's retry_after tells its caller.
#include <algorithm>
#include <chrono>
#include <cmath>

namespace araldo::emulator {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // Zero when a token was taken; otherwise the wait until one is available.
  std::chrono::milliseconds take(Clock::time_point now = Clock::now()) {
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return std::chrono::milliseconds(0);
    }
    return wait_for_one();
  }

 private:
  std::chrono::milliseconds wait_for_one() const {
    return std::chrono::milliseconds(
        static_cast<long long>(std::ceil((1.0 - tokens_) / rate_ * 1000)));
  }

  void refill(Clock::time_point now) {
    if (last_ != Clock::time_point{}) {
      const double seconds = std::max(0.0, std::chrono::duration<double>(now - last_).count());
      tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    }
    last_ = std::max(last_, now);
  }

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_{};
};

}  // namespace araldo::emulator
