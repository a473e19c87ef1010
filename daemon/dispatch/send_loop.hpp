#pragma once
// The send thread: takes claimed deliveries from the store thread, releases each at its
// rate slot (and no sooner than its target's pacing allows), keeps up to max_in_flight
// requests in flight on one curl multi handle, classifies each answer and reports the
// outcome. It never touches the database, so sends keep their slots whatever the
// database is doing.
#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <stop_token>
#include <string>
#include <utility>

#include "channels/registry.hpp"
#include "daemon/delivery/rate_slots.hpp"
#include "daemon/delivery/retry_policy.hpp"
#include "daemon/dispatch/curl_multi_sender.hpp"
#include "daemon/dispatch/handoff.hpp"
#include "daemon/dispatch/target_pacing.hpp"

namespace araldo::dispatch {

struct SendOptions {
  int max_in_flight = 64;
  std::chrono::milliseconds lease{60'000};
  std::chrono::milliseconds request_timeout{15'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  delivery::RetryPolicy retry;
};

class SendLoop {
 public:
  SendLoop(SendOptions options, const channels::ChannelSet& channels, Handoff& handoff);

  // Until `stop`: then no new send starts, and those in flight get up to shutdown_grace.
  void run(std::stop_token stop);
  void wakeup() { sender_.wakeup(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct InFlight {
    delivery::ClaimedDelivery delivery;
    const channels::Channel* channel = nullptr;
  };

  void take_claimed();
  void release_due(Clock::time_point now);
  void release_gated(Clock::time_point now);
  struct Waiting;
  TargetPacing::Decision pace(const channels::Channel& channel, Waiting& w, Clock::time_point now);
  void hand_back_paused(const delivery::ClaimedDelivery& d, Clock::duration pause);
  static Clock::duration hold_limit(const SendOptions& o);
  Clock::time_point send_by(const delivery::ClaimedDelivery& d) const;
  void send(delivery::ClaimedDelivery delivery, const channels::Channel& channel);
  void finish(std::uint64_t tag, const channels::Answer& answer, std::chrono::milliseconds latency);
  void hand_back(const delivery::ClaimedDelivery& delivery, const std::string& reason,
                 std::chrono::milliseconds retry_in);
  void fail_unsent(const delivery::ClaimedDelivery& delivery, const std::string& reason);
  void pause_channel(const channels::Channel& channel, const channels::Outcome& outcome,
                     std::chrono::milliseconds wait);
  std::chrono::milliseconds next_wait(Clock::time_point now) const;

  SendOptions options_;
  const channels::ChannelSet& channels_;
  Handoff& handoff_;
  CurlMultiSender sender_;
  struct Waiting {
    delivery::ClaimedDelivery delivery;
    TargetPacing::Waiting pacing;
  };
  // By release time, then by the order they were claimed: one put back to wait for its
  // target's slot keeps its place before those claimed after it, due at the same time.
  using WaitKey = std::pair<Clock::time_point, std::uint64_t>;
  std::map<WaitKey, Waiting> waiting_;
  std::uint64_t claimed_seq_ = 0;
  std::map<std::string, delivery::RateGate> gates_;  // per channel
  // Per channel, what its gate holds back, in the order it reached the gate: released
  // first, before anything of that channel whose slot comes later. (Put back among the
  // others at the gate's next time, one held back lost to any whose slot fell a few
  // microseconds earlier, again and again: X posts waited 18–62 s that way.)
  std::map<std::string, std::deque<Waiting>> gated_;
  TargetPacing pacing_;
  Clock::time_point forgot_idle_at_;
  std::map<std::uint64_t, InFlight> in_flight_;
  std::uint64_t next_tag_ = 1;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace araldo::dispatch
