#pragma once
// What the dispatcher's two threads share: the store thread (database: claims, outcomes,
// sweeps) hands claimed deliveries to the send thread (HTTP: releases each at its slot),
// which hands back what happened. Neither ever waits for the other's I/O, so a slow
// database turn does not delay a send, and a slow platform does not delay a claim.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/delivery/delivery_records.hpp"

namespace araldo::dispatch {

class Handoff {
 public:
  using Clock = std::chrono::steady_clock;

  Handoff();
  ~Handoff();
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;

  // Store → sender. The sender's wake-up is set once, before either thread starts.
  void set_sender_wakeup(std::function<void()> wake) { wake_sender_ = std::move(wake); }
  void hand_over(std::vector<delivery::ClaimedDelivery> claimed);
  std::vector<delivery::ClaimedDelivery> take_claimed();

  // Sender → store: one outcome per claimed delivery, sent or not.
  void report(delivery::AttemptRecord record);
  std::vector<delivery::AttemptRecord> take_records();
  // Readable when the store thread has something to do; drain() after waking.
  int store_wake_fd() const { return wake_fd_; }
  void drain_store_wakeups();
  void wake_store();

  // Claimed and not reported yet, per channel: the store claims more as it goes down.
  int held(const std::string& channel) const;

  // A channel the platform throttled, or whose credentials it refused (stopped).
  struct Pause {
    Clock::time_point until{};
    bool stopped = false;
    std::string reason;
  };
  void pause(const std::string& channel, Pause pause);
  // It delivered again: no longer stopped. True if it was stopped until now.
  bool recovered(const std::string& channel);
  std::map<std::string, Pause> pauses() const;
  // How long the channel stays paused from `now`; zero when it is not.
  Clock::duration paused_for(const std::string& channel, Clock::time_point now) const;

 private:
  mutable std::mutex mutex_;
  std::vector<delivery::ClaimedDelivery> claimed_;
  std::vector<delivery::AttemptRecord> records_;
  std::map<std::string, int> held_;
  std::map<std::string, Pause> pauses_;
  std::function<void()> wake_sender_;
  int wake_fd_ = -1;
};

}  // namespace araldo::dispatch
