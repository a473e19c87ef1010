#pragma once
// How X counts a post's length (twitter-text config v3, shared/platforms.md): the text is
// NFC-normalised; a code point in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F or
// U+2032–U+2037 weighs 1, any other weighs 2; an emoji sequence (with its modifiers,
// joiners and variation selectors) weighs 2 as a whole; every URL X recognises
// (x_urls.hpp) weighs 23 whatever its length. The limit is 280. Normalisation and grapheme clusters
// come from ICU, the Unicode library everyone uses for exactly this.
#include <cstddef>
#include <string_view>

namespace araldo::channels::x {

constexpr std::size_t max_weighted_length = 280;
constexpr std::size_t url_weight = 23;

std::size_t weighted_length(std::string_view utf8);

}  // namespace araldo::channels::x
