#include "daemon/api/key_cache.hpp"

#include "daemon/text/digest.hpp"

namespace araldo::api {

namespace {
constexpr std::size_t max_entries = 10'000;  // a handful of keys in practice
}

KeyCache::KeyCache(std::chrono::milliseconds ttl, std::function<Clock::time_point()> now)
    : ttl_(ttl), now_(std::move(now)) {}

std::optional<KeyCache::Identity> KeyCache::find(const std::string& key, const Lookup& lookup) {
  const auto digest = text::sha256_hex(key);
  {
    std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(digest); it != entries_.end()) {
      if (now_() - it->second.fetched_at < ttl_) return it->second.identity;
      entries_.erase(it);
    }
  }
  auto found = lookup(key);  // outside the lock: a slow database must not serialise requests
  if (found) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries) entries_.clear();
    entries_[digest] = {*found, now_()};
  }
  return found;
}

}  // namespace araldo::api
