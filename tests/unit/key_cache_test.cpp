// The API key cache, on a fake clock: no lookup while a key is fresh, revocation honoured
// once the TTL has passed, unknown keys never cached.
#include <gtest/gtest.h>

#include "daemon/api/key_cache.hpp"

using namespace araldo::api;
using namespace std::chrono;

TEST(KeyCache, ARevokedKeyIsRefusedOnceItsEntryIsOlderThanTheTtl) {
  KeyCache::Clock::time_point now{};
  KeyCache cache(seconds(5), [&] { return now; });
  int lookups = 0;
  bool revoked = false;
  auto lookup = [&](const std::string& key) -> std::optional<std::string> {
    ++lookups;
    if (key != "araldo_good" || revoked) return std::nullopt;
    return "sala-operativa";
  };
  EXPECT_EQ(cache.find("araldo_good", lookup), "sala-operativa");
  EXPECT_EQ(cache.find("araldo_good", lookup), "sala-operativa");
  EXPECT_EQ(lookups, 1);  // the second request cost no database round trip

  revoked = true;
  now += milliseconds(4'999);
  EXPECT_EQ(cache.find("araldo_good", lookup), "sala-operativa");  // within the stated bound
  now += milliseconds(1);
  EXPECT_EQ(cache.find("araldo_good", lookup), std::nullopt);  // the bound: 5 s after last look
  EXPECT_EQ(cache.find("araldo_good", lookup), std::nullopt);
  EXPECT_EQ(lookups, 3);  // a refused key is looked up every time
}

TEST(KeyCache, UnknownKeysAreNeverCachedSoANewKeyWorksAtOnce) {
  KeyCache::Clock::time_point now{};
  KeyCache cache(seconds(5), [&] { return now; });
  bool created = false;
  auto lookup = [&](const std::string&) -> std::optional<std::string> {
    return created ? std::optional<std::string>("cron") : std::nullopt;
  };
  EXPECT_EQ(cache.find("araldo_new", lookup), std::nullopt);
  created = true;
  EXPECT_EQ(cache.find("araldo_new", lookup), "cron");
}
