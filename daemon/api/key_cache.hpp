#pragma once
// API keys recently found valid, so authenticating a request costs no database round
// trip. The bound: a key revoked (by any daemon or `araldod keys revoke`) keeps working
// (or expires) for at most `ttl` on a daemon that had just seen it. Unknown keys are never cached,
// so a new key works at once and a wrong one is always looked up.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/store/api_key_store.hpp"

namespace araldo::api {

class KeyCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Identity = store::KeyIdentity;
  using Lookup = std::function<std::optional<Identity>(const std::string& key)>;
  static constexpr std::chrono::milliseconds default_ttl{5'000};

  explicit KeyCache(std::chrono::milliseconds ttl = default_ttl,
                    std::function<Clock::time_point()> now = Clock::now);

  // The key's name and role, from the cache or else from `lookup`; nullopt when unknown,
  // revoked or expired.
  std::optional<Identity> find(const std::string& key, const Lookup& lookup);

 private:
  struct Entry {
    Identity identity;
    Clock::time_point fetched_at;
  };
  std::chrono::milliseconds ttl_;
  std::function<Clock::time_point()> now_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by the key's SHA-256, never the key itself
};

}  // namespace araldo::api
