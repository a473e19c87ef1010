#include <gtest/gtest.h>

#include "daemon/model/cap_datetime.hpp"

using namespace araldo::model;
using namespace std::chrono;

TEST(CapDatetime, AppliesTheOffset) {
  auto t = parse_cap_datetime("2026-03-14T06:30:00+01:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_cap_datetime(*t), "2026-03-14T05:30:00-00:00");
  auto west = parse_cap_datetime("2026-03-14T23:30:00-05:00");
  ASSERT_TRUE(west);
  EXPECT_EQ(format_cap_datetime(*west), "2026-03-15T04:30:00-00:00");
}

TEST(CapDatetime, RejectsWhatCapForbids) {
  for (const char* bad :
       {"2026-03-14T06:30:00Z", "2026-03-14T06:30:00.5+01:00", "2026-03-14 06:30:00+01:00",
        "2026-02-30T06:30:00+01:00", "2026-03-14T24:00:00+01:00", "2026-03-14T06:30:00", ""}) {
    EXPECT_FALSE(parse_cap_datetime(bad)) << bad;
  }
  EXPECT_TRUE(parse_cap_datetime("2028-02-29T00:00:00-00:00"));  // leap day
}
