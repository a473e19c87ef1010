#include <gtest/gtest.h>

#include "channels/telegram/telegram_html.hpp"

using namespace araldo::channels::telegram;

namespace {
ParsedHtml parsed(std::string_view html) {
  auto r = parse_html(html);
  EXPECT_TRUE(std::holds_alternative<ParsedHtml>(r)) << std::get<std::string>(r);
  return std::holds_alternative<ParsedHtml>(r) ? std::get<ParsedHtml>(r) : ParsedHtml{};
}
std::string error_of(std::string_view html) {
  auto r = parse_html(html);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}
}  // namespace

TEST(TelegramHtml, EscapesTheFourReservedCharacters) {
  EXPECT_EQ(escape_html(R"(a<b>&"c")"), "a&lt;b&gt;&amp;&quot;c&quot;");
  EXPECT_EQ(escape_html("Via Roma 3, ore 12:00 — 🔴"), "Via Roma 3, ore 12:00 — 🔴");
}

TEST(TelegramHtml, EscapedTextReadsBackAsTheOriginal) {
  const std::string original = R"(Livello <5m> & "soglia" superata)";
  EXPECT_EQ(parsed(escape_html(original)).plain, original);
}

TEST(TelegramHtml, AcceptsAllowedNestedTags) {
  auto p =
      parsed(R"(<b>Allerta <i>rossa</i></b> <a href="https://x.example/?a=1&amp;b=2">link</a>)");
  EXPECT_EQ(p.plain, "Allerta rossa link");
}

TEST(TelegramHtml, RefusesWhatTelegramRefuses) {
  EXPECT_NE(error_of("<div>x</div>").find("unsupported start tag \"div\""), std::string::npos);
  EXPECT_NE(error_of("<b>x<i>y</b></i>").find("can't find end tag"), std::string::npos);
  EXPECT_NE(error_of("<b>never closed").find("\"b\""), std::string::npos);
  EXPECT_NE(error_of("fish & chips").find("'&' is reserved"), std::string::npos);
  EXPECT_NE(error_of("1 > 0").find("'>' is reserved"), std::string::npos);
  EXPECT_NE(error_of("&nbsp;").find("unsupported entity"), std::string::npos);
  EXPECT_NE(error_of("<b").find("unclosed"), std::string::npos);
}

TEST(TelegramHtml, DecodesNumericEntities) {
  EXPECT_EQ(parsed("&#65;&#x42;&#x1F534;").plain, "AB\xF0\x9F\x94\xB4");
  EXPECT_FALSE(error_of("&#xD800;").empty());
}

TEST(TelegramHtml, CountsLengthInUtf16UnitsAfterEntityParsing) {
  EXPECT_EQ(parsed("<b>abc</b>").utf16_units, 3u);
  EXPECT_EQ(parsed("&lt;&amp;").utf16_units, 2u);
  EXPECT_EQ(parsed("è").utf16_units, 1u);
  EXPECT_EQ(parsed("🔴").utf16_units, 2u);  // outside the BMP: a surrogate pair
}

TEST(TelegramHtml, RejectsInvalidUtf8) {
  EXPECT_NE(error_of("abc\xff").find("UTF-8"), std::string::npos);
}
