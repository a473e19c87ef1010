#pragma once
// The dispatcher: two threads. This one (the store thread) owns the database: it wakes on
// NOTIFY (a periodic sweep is only the safety net), claims each channel's due deliveries
// with their send slots granted ahead from the channel's shared rate, and writes the
// outcomes in one transaction per turn. The send thread (send_loop.hpp) releases each
// delivery at its slot and classifies the answers. A lost database connection is waited
// out with backoff; outcomes not written yet are kept and written once it is back, while
// what was already claimed goes on being sent.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "channels/registry.hpp"
#include "daemon/delivery/delivery_queue.hpp"
#include "daemon/delivery/retry_policy.hpp"
#include "daemon/dispatch/handoff.hpp"
#include "daemon/dispatch/send_loop.hpp"

namespace araldo::dispatch {

struct DispatchOptions {
  std::string worker_id;  // unique per process: it owns the leases it takes
  int max_in_flight = 64;
  std::chrono::milliseconds lease{60'000};  // must exceed request_timeout + lookahead
  std::chrono::milliseconds sweep_interval{5'000};
  std::chrono::milliseconds request_timeout{15'000};
  // A failover takes seconds: a longer pause would only add to the gap after it.
  std::chrono::milliseconds reconnect_max{2'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  // How far ahead send slots are claimed: a database turn shorter than this loses no
  // share of the platform's rate.
  std::chrono::milliseconds lookahead{1'000};
  delivery::RetryPolicy retry;
};

std::string make_worker_id();

class Dispatcher {
 public:
  Dispatcher(DispatchOptions options, std::unique_ptr<delivery::DeliveryQueue> queue,
             const channels::ChannelSet& channels);
  ~Dispatcher();

  // Runs until `stop` is requested, then lets in-flight sends finish (up to
  // shutdown_grace), hands back any lease still held, and returns.
  void run(std::stop_token stop);

  bool database_connected() const { return connected_.load(); }

  // Called on the store thread with each attempt once it is written (metrics). Set before
  // run().
  void observe(
      std::function<void(const delivery::AttemptRecord&, const delivery::Recorded&)> observer) {
    observer_ = std::move(observer);
  }

  // Called on the store thread with how many rows claims and sweeps found refused by the
  // database and failed, one by one (metrics). Set before run().
  void observe_refusals(std::function<void(int)> observer) {
    refusal_observer_ = std::move(observer);
  }

  // Work was committed here (an alert accepted, a retry requested): this dispatcher
  // claims it at once, and tells the others with one NOTIFY sent outside the writers'
  // transactions, at most once per notify_interval however many commits there were.
  void new_work();
  static constexpr std::chrono::milliseconds notify_interval{5};

  // What /readyz shows of each channel.
  struct ChannelStatus {
    std::string state = "ok";  // ok / throttled / stopped
    std::string reason;
    long long resumes_in_ms = 0;
  };
  std::map<std::string, ChannelStatus> channel_status() const;

 private:
  using Clock = std::chrono::steady_clock;
  // What the store thread knows of one channel's queue.
  struct ChannelQueue {
    delivery::PacedClaimRate rate;
    int stock = 1;                   // at most this many claimed and not reported yet
    bool wanted = true;              // due work may be waiting
    Clock::time_point not_before{};  // its slots are granted up to the lookahead
    bool was_paused = false;
  };

  bool ensure_connected();
  void drop_connection(const std::string& why);
  void turn(bool draining);
  void claim(const std::string& name, ChannelQueue& queue, Clock::time_point now);
  void fail_unconfigured();
  void flush_records();
  void wait_for_work(std::chrono::milliseconds max_wait);
  std::chrono::milliseconds next_wait() const;

  DispatchOptions options_;
  std::unique_ptr<delivery::DeliveryQueue> queue_;
  const channels::ChannelSet& channels_;
  Handoff handoff_;
  SendLoop send_loop_;
  std::atomic<bool> connected_{false};
  Clock::time_point next_connect_try_{};
  std::chrono::milliseconds reconnect_delay_{250};
  // After a statement failed for a reason no row explains: no turn before this.
  Clock::time_point turn_not_before_{};
  std::chrono::milliseconds store_backoff_{250};
  std::optional<Clock::time_point> next_due_;  // a retry or an expiring lease
  Clock::time_point next_sweep_{};
  std::map<std::string, ChannelQueue> queues_;  // per configured channel
  std::size_t rotation_ = 0;                    // which channel claims first, in turn
  std::vector<delivery::AttemptRecord> unwritten_;
  std::function<void(const delivery::AttemptRecord&, const delivery::Recorded&)> observer_;
  std::function<void(int)> refusal_observer_;
  void count_refusals();
  void wake_released();
  std::atomic<bool> local_work_{false};
  bool announce_ = false;  // other daemons have not been told of local work yet
  Clock::time_point last_announce_{};
  void announce();
  // Where the store thread's time goes, logged once per sweep interval when it worked.
  struct TurnStats {
    int turns = 0;
    long long records = 0, claimed = 0;
    Clock::duration flushing{}, claiming{}, waiting{};
  } stats_;
  void log_stats();
};

}  // namespace araldo::dispatch
