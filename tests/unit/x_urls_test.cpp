// X's weighted length around URLs. The expectations are twitter-text v3's published
// conformance cases (conformance/validate.yml, "lengths" and "WeightedTweetsCounterTest")
// and hand-counted cases for what the issue found araldod getting wrong.
#include <gtest/gtest.h>

#include <string>

#include "channels/x/x_text_weight.hpp"
#include "channels/x/x_urls.hpp"

using araldo::channels::x::weighted_length;

namespace {
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

TEST(XUrls, TwitterTextConformanceLengths) {
  EXPECT_EQ(weighted_length("This is a test."), 15u);
  EXPECT_EQ(weighted_length("http://test.com"), 23u);
  EXPECT_EQ(weighted_length("https://test.com"), 23u);
  EXPECT_EQ(weighted_length("test.com"), 23u);  // a bare domain is a URL too
  EXPECT_EQ(weighted_length("Test https://test.com test https://test.com test.com test"), 86u);
  EXPECT_EQ(weighted_length(repeat("https://www.twitter.com/aloha ", 10)), 240u);
  EXPECT_EQ(weighted_length("285 chars- http://www.twitter.com/jack " + repeat("xxxxxxxxxx-", 24)),
            299u);
  EXPECT_EQ(weighted_length(repeat("xxxxxxxxxx-", 24) + " http://www.twitter.com/jack "), 289u);
}

TEST(XUrls, AUrlEndsWhereItsGrammarEndsIt) {
  // CJK text is not part of a path: 3 + 10 CJK characters weigh 2 each, the URL 23.
  EXPECT_EQ(weighted_length("詳細はhttps://www.bousai.go.jp/で確認してください。"), 6u + 23u + 20u);
  // Trailing punctuation is text.
  EXPECT_EQ(weighted_length("Vedi https://www.comune.milano.it/allerta."), 5u + 23u + 1u);
  EXPECT_EQ(weighted_length("(https://example.com/?q=1)."), 1u + 23u + 2u);
  EXPECT_EQ(weighted_length("https://en.wikipedia.org/wiki/Rome_(disambiguation)."), 23u + 1u);
  EXPECT_EQ(weighted_length("HTTPS://www.ExaMPLE.COM/index.html"), 23u);
  EXPECT_EQ(weighted_length("http://example.com/Русские_слова"), 23u);
  EXPECT_EQ(weighted_length("http://test_underscore.twitter.com"), 23u);
  EXPECT_EQ(weighted_length("http://user.example.com:8080/login"), 23u);
}

TEST(XUrls, WhatIsNotAUrlToXIsWeighedAsText) {
  // An unknown top-level domain: no URL at all.
  EXPECT_EQ(weighted_length("https://comune.example/a"), 24u);
  // A two-label domain on a country code needs a path (except .co and .tv).
  EXPECT_EQ(weighted_length("comune.it"), 9u);
  EXPECT_EQ(weighted_length("comune.it/allerta"), 23u);
  EXPECT_EQ(weighted_length("t.co"), 23u);
  EXPECT_EQ(weighted_length("foo.co.jp"), 23u);
  // Other schemes, e-mail addresses, bad labels.
  EXPECT_EQ(weighted_length("ftp://www.example.com/"), 22u);
  EXPECT_EQ(weighted_length("user@example.com"), 16u);
  EXPECT_EQ(weighted_length("http://www.-domain4352.com/"), 27u);
  EXPECT_EQ(weighted_length("https://" + std::string(64, 'a') + ".com"), 76u);
}

TEST(XUrls, AUrlAndAFullStopAtTheLimitIsOverIt) {
  // 256 characters, a space and a URL make 280; the full stop after it makes 281.
  const std::string text = std::string(256, 'a') + " https://www.protezionecivile.gov.it/it/";
  EXPECT_EQ(weighted_length(text), 280u);
  EXPECT_EQ(weighted_length(text + "."), 281u);
}

TEST(XUrls, SpansAreCodePointIndices) {
  const std::u32string text = U"Vai su www.comune.roma.it/meteo.";
  const auto urls = araldo::channels::x::find_urls(text);
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(text.substr(urls[0].begin, urls[0].end - urls[0].begin), U"www.comune.roma.it/meteo");
}
