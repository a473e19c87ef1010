#pragma once
// The send loop: wakes on NOTIFY (a periodic sweep is only the safety net), claims as many
// due deliveries as it has free send slots and each channel's rate allows, sends them
// concurrently, and records the outcomes. Each channel is paced by a token bucket kept in
// the database (so several daemons together keep the platform's rate), and
// each target by the platform's per-chat or per-recipient spacing; a throttled or
// stopped channel waits while the others go on. A lost database connection is waited
// out with backoff; outcomes not written yet are kept and written once it is back.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "channels/registry.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/dispatch/curl_multi_sender.hpp"
#include "daemon/dispatch/retry_policy.hpp"
#include "daemon/store/delivery_store.hpp"

namespace araldo::dispatch {

struct DispatchOptions {
  std::string worker_id;  // unique per process: it owns the leases it takes
  int max_in_flight = 64;
  std::chrono::milliseconds lease{60'000};  // must exceed request_timeout by a margin
  std::chrono::milliseconds sweep_interval{5'000};
  std::chrono::milliseconds request_timeout{15'000};
  std::chrono::milliseconds reconnect_max{10'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  RetryPolicy retry;
};

std::string make_worker_id();

class Dispatcher {
 public:
  Dispatcher(DispatchOptions options, config::Secret dsn, const channels::ChannelSet& channels);
  ~Dispatcher();

  // Runs until `stop` is requested, then lets in-flight sends finish (up to
  // shutdown_grace), hands back any lease still held, and returns.
  void run(std::stop_token stop);

  bool database_connected() const { return connected_.load(); }

  // What /readyz shows of each channel.
  struct ChannelStatus {
    std::string state = "ok";  // ok / throttled / stopped
    std::string reason;
    long long resumes_in_ms = 0;
  };
  std::map<std::string, ChannelStatus> channel_status() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Listener;
  struct InFlight {
    store::ClaimedDelivery delivery;
    const channels::Channel* channel = nullptr;
  };
  struct Pace {
    explicit Pace(store::SharedRate r) : rate(r) {}
    store::SharedRate rate;
    Clock::time_point paused_until{};
    bool stopped = false;  // its credentials were refused: it waits for an operator
    std::string reason;
    bool backlog = false;  // its last claim was cut short by the rate, not by the queue
    Clock::time_point backlog_until{};  // when enough tokens will be back to claim again
  };

  bool ensure_connected();
  void drop_connection(const std::string& why);
  void claim_and_send();
  void fail_unconfigured();
  void schedule(store::ClaimedDelivery delivery);
  void send(store::ClaimedDelivery delivery, const channels::Channel& channel);
  void send_delayed();
  void finish(std::uint64_t tag, const channels::Answer& answer, std::chrono::milliseconds latency);
  void finish_without_sending(const store::ClaimedDelivery& delivery, const std::string& reason,
                              const std::string& outcome = "permanent",
                              std::optional<std::chrono::milliseconds> retry_in = std::nullopt);
  void pause_channel(const channels::Channel& channel, const channels::Outcome& outcome,
                     std::chrono::milliseconds wait);
  void flush_records();
  std::vector<std::string> paused_channels();
  void publish_status();
  int free_slots() const;
  std::chrono::milliseconds next_wait();

  DispatchOptions options_;
  config::Secret dsn_;
  const channels::ChannelSet& channels_;
  CurlMultiSender sender_;
  std::unique_ptr<Listener> listener_;
  std::atomic<bool> connected_{false};
  std::chrono::steady_clock::time_point next_connect_try_{};
  std::chrono::milliseconds reconnect_delay_{250};
  bool claim_wanted_ = true;
  bool slots_backlog_ = false;  // a claim was cut short by the free send slots
  std::optional<Clock::time_point> next_due_;
  Clock::time_point next_sweep_{};
  std::map<std::string, Pace> pace_;  // per configured channel
  std::size_t rotation_ = 0;          // which channel claims first, in turn
  // Earliest next send per (channel, target), and claimed deliveries waiting for it.
  std::map<std::pair<std::string, std::string>, Clock::time_point> target_ready_;
  std::multimap<Clock::time_point, store::ClaimedDelivery> delayed_;
  std::map<std::uint64_t, InFlight> in_flight_;
  std::vector<store::AttemptRecord> unwritten_;
  std::uint64_t next_tag_ = 1;
  std::mt19937_64 rng_{std::random_device{}()};
  mutable std::mutex status_mutex_;
  std::map<std::string, ChannelStatus> status_;
};

}  // namespace araldo::dispatch
