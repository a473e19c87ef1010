#include <gtest/gtest.h>

#include "daemon/text/utf8.hpp"

using namespace araldo::text;

TEST(Utf8, DecodesOneToFourByteSequences) {
  std::u32string out;
  EXPECT_TRUE(for_each_code_point("aè☃🔴", [&](char32_t cp) { out += cp; }));
  EXPECT_EQ(out, std::u32string(U"aè☃🔴"));
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(first_invalid_utf8("abc"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);            // never valid
  EXPECT_EQ(first_invalid_utf8("a\xc3"), 1u);             // truncated
  EXPECT_EQ(first_invalid_utf8("a\xc3\x28"), 1u);         // bad continuation
  EXPECT_EQ(first_invalid_utf8("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xe0\x80\xaf"), 0u);      // overlong, 3 bytes
  EXPECT_EQ(first_invalid_utf8("x\xed\xa0\x80"), 1u);     // UTF-16 surrogate
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
}

TEST(Utf8, InvalidBytesAreReplacedAndValidTextIsKept) {
  EXPECT_EQ(valid_utf8("caff\xc3\xa8"), "caff\xc3\xa8");
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xc3"), "\xEF\xBF\xBD");  // cut in the middle of a character
  EXPECT_EQ(first_invalid_utf8(valid_utf8("\xed\xa0\x80 surrogate")), std::nullopt);
}
