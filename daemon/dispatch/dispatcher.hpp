#pragma once
// The send loop: wakes on NOTIFY (a periodic sweep is only the safety net), claims as many
// due deliveries as it has free send slots, sends them concurrently, and records each
// outcome. A lost database connection is waited out with backoff; outcomes that could not
// be written yet are kept and written once it is back.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
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

 private:
  struct Listener;
  struct InFlight {
    store::ClaimedDelivery delivery;
    const channels::Channel* channel = nullptr;
  };

  bool ensure_connected();
  void drop_connection(const std::string& why);
  void claim_and_send();
  void send(store::ClaimedDelivery delivery);
  void finish(std::uint64_t tag, const channels::Answer& answer, std::chrono::milliseconds latency);
  void finish_without_sending(const store::ClaimedDelivery& delivery, const std::string& reason);
  void flush_records();
  std::vector<std::string> paused_channels();
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
  std::optional<std::chrono::steady_clock::time_point> next_due_;
  std::chrono::steady_clock::time_point next_sweep_{};
  std::map<std::string, std::chrono::steady_clock::time_point> paused_until_;
  std::map<std::uint64_t, InFlight> in_flight_;
  std::vector<store::AttemptRecord> unwritten_;
  std::uint64_t next_tag_ = 1;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace araldo::dispatch
