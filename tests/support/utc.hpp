#pragma once
// An instant written out by hand in UTC, for tests that state expected times themselves.
#include <chrono>
#include <ctime>

namespace araldo::test_support {

inline std::chrono::sys_seconds utc(int y, int mo, int d, int h, int mi, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

}  // namespace araldo::test_support
