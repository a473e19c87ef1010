#pragma once
// Refused webhooks (a bad or missing signature, a wrong secret token, a malformed body),
// counted per channel and minute and audited as one summary each: anyone can send them,
// so one audit event per request would let an anonymous caller grow the permanent, signed
// log without bound. Each refusal is still logged and counted in /metrics as it happens.
#include <chrono>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>

#include "daemon/store/database.hpp"

namespace araldo::inbound {

class RefusalTally {
 public:
  using Clock = std::chrono::system_clock;
  explicit RefusalTally(store::Database& db, std::chrono::seconds window = std::chrono::minutes(1))
      : db_(db), window_(window) {}

  void count(const std::string& channel, const std::string& verdict);
  // Audits every window that has ended (all of them when `everything`); returns how many
  // summaries were written. A window the database could not take stays for the next try.
  int flush(bool everything = false);
  // Flushes each second until stopped, then once more with everything.
  void run(std::stop_token stop);

 private:
  struct Key {
    std::string channel;
    Clock::time_point from;
    auto operator<=>(const Key&) const = default;
  };
  store::Database& db_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<Key, std::map<std::string, long long>> counts_;  // by verdict
};

}  // namespace araldo::inbound
