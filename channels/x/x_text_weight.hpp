#pragma once
// How X counts a post's length (twitter-text config v3, shared/platforms.md): a code
// point in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F or U+2032–U+2037 weighs 1, any
// other weighs 2, and every http(s) URL weighs 23 whatever its length; the limit is 280.
//
// Not done here: NFC normalisation, and counting an emoji sequence (with joiners and
// modifiers) as 2 in all. Both only make the count larger than X's, never smaller, so
// a text that passes here also passes at X.
#include <cstddef>
#include <string_view>

namespace araldo::channels::x {

constexpr std::size_t max_weighted_length = 280;
constexpr std::size_t url_weight = 23;

std::size_t weighted_length(std::string_view utf8);

}  // namespace araldo::channels::x
