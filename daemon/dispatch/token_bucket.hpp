#pragma once
// A token bucket: `rate` tokens a second, holding at most `burst`. The dispatcher paces
// each channel with one; the emulator throttles with the same kind, as platforms do.
#include <algorithm>
#include <chrono>
#include <cmath>

namespace araldo::dispatch {

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

  // Whole tokens available now.
  int available(Clock::time_point now = Clock::now()) {
    refill(now);
    return static_cast<int>(std::floor(tokens_));
  }

  // Takes `n` tokens that available() said were there.
  void consume(int n) { tokens_ = std::max(0.0, tokens_ - n); }

  // When `n` whole tokens will be there (now, if they are).
  Clock::time_point next_tokens(int n, Clock::time_point now = Clock::now()) {
    refill(now);
    if (tokens_ >= n) return now;
    return now + std::chrono::milliseconds(
                     static_cast<long long>(std::ceil((n - tokens_) / rate_ * 1000)));
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

}  // namespace araldo::dispatch
