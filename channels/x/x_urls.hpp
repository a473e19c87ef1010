#pragma once
// Where X sees URLs in a post, for weighing it: twitter-text v3's URL extractor, which
// X runs on every post. A URL is an http(s) URL, or a bare domain, whose domain ends in
// a known top-level domain (the Public Suffix List's ICANN section); it ends where the
// URL grammar ends it: never on trailing punctuation, never inside CJK text. A bare
// domain needs a path when it is a two-label domain on a country code other than
// .co and .tv ("comune.it" is text, "comune.it/allerta" is a URL).
#include <cstddef>
#include <string_view>
#include <vector>

namespace araldo::channels::x {

struct UrlSpan {
  std::size_t begin = 0;  // code point indices into the text, [begin, end)
  std::size_t end = 0;
};

// `text` is NFC-normalised, one char32_t per code point.
std::vector<UrlSpan> find_urls(std::u32string_view text);

// The Public Suffix List's ICANN top-level domains, lowercase (generated at build time).
const std::vector<std::string_view>& top_level_domains();

}  // namespace araldo::channels::x
