// The API key cache, on a fake clock: no lookup while a key is fresh, revocation honoured
// once the TTL has passed, unknown keys never cached.
#include <gtest/gtest.h>

#include "daemon/api/key_cache.hpp"

using namespace araldo::api;
using namespace std::chrono;

namespace {
std::optional<std::string> name_of(const std::optional<KeyCache::Identity>& found) {
  if (!found) return std::nullopt;
  return found->name;
}
}  // namespace

TEST(KeyCache, ARevokedKeyIsRefusedOnceItsEntryIsOlderThanTheTtl) {
  KeyCache::Clock::time_point now{};
  KeyCache cache(seconds(5), [&] { return now; });
  int lookups = 0;
  bool revoked = false;
  auto lookup = [&](const std::string& key) -> std::optional<KeyCache::Identity> {
    ++lookups;
    if (key != "araldo_good" || revoked) return std::nullopt;
    return KeyCache::Identity{"sala-operativa", "operator"};
  };
  EXPECT_EQ(name_of(cache.find("araldo_good", lookup)), "sala-operativa");
  EXPECT_EQ(name_of(cache.find("araldo_good", lookup)), "sala-operativa");
  EXPECT_EQ(lookups, 1);  // the second request cost no database round trip

  revoked = true;
  now += milliseconds(4'999);
  EXPECT_EQ(name_of(cache.find("araldo_good", lookup)),
            "sala-operativa");  // within the stated bound
  now += milliseconds(1);
  EXPECT_EQ(name_of(cache.find("araldo_good", lookup)),
            std::nullopt);  // the bound: 5 s after last look
  EXPECT_EQ(name_of(cache.find("araldo_good", lookup)), std::nullopt);
  EXPECT_EQ(lookups, 3);  // a refused key is looked up every time
}

TEST(KeyCache, UnknownKeysAreNeverCachedSoANewKeyWorksAtOnce) {
  KeyCache::Clock::time_point now{};
  KeyCache cache(seconds(5), [&] { return now; });
  bool created = false;
  auto lookup = [&](const std::string&) -> std::optional<KeyCache::Identity> {
    if (!created) return std::nullopt;
    return KeyCache::Identity{"cron", "scheduler"};
  };
  EXPECT_EQ(name_of(cache.find("araldo_new", lookup)), std::nullopt);
  created = true;
  EXPECT_EQ(name_of(cache.find("araldo_new", lookup)), "cron");
}
