// Pagination cursors: what comes back is what was encoded, and a forged, edited, expired
// or foreign cursor is refused with a reason.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/api/cursor.hpp"

using namespace araldo::api;

TEST(Cursor, RoundTripsAndRefusesEditsOtherQueriesAndOldOnes) {
  const CursorCodec codec("secret");
  const boost::json::object position{{"at", "2026-11-29T10:00:00.123456+00:00"}, {"id", "x"}};
  const auto cursor = codec.encode(position, "alerts?severity=Extreme&");
  auto back = codec.decode(cursor, "alerts?severity=Extreme&");
  ASSERT_TRUE(std::holds_alternative<boost::json::object>(back));
  EXPECT_EQ(std::get<boost::json::object>(back), position);

  auto detail = [](const std::variant<boost::json::object, CursorError>& r) {
    return std::holds_alternative<CursorError>(r) ? std::get<CursorError>(r).detail : "";
  };
  // Another filter: refused, not applied to a different result set.
  EXPECT_NE(detail(codec.decode(cursor, "alerts?severity=Minor&")).find("another query"),
            std::string::npos);
  // One character changed anywhere, or another server's key.
  auto edited = cursor;
  edited[3] = edited[3] == 'A' ? 'B' : 'A';
  EXPECT_NE(detail(codec.decode(edited, "alerts?severity=Extreme&")).find("not one this server"),
            std::string::npos);
  EXPECT_NE(detail(CursorCodec("other").decode(cursor, "alerts?severity=Extreme&"))
                .find("not one this server"),
            std::string::npos);
  EXPECT_FALSE(detail(codec.decode("garbage", "q")).empty());
  EXPECT_FALSE(detail(codec.decode("", "q")).empty());
  // Past its lifetime.
  const CursorCodec brief("secret", std::chrono::seconds(-1));
  EXPECT_NE(detail(brief.decode(brief.encode(position, "q"), "q")).find("expired"),
            std::string::npos);
}
