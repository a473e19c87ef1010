#pragma once
// What a reader sees as one character (a grapheme cluster: a flag, an emoji with its
// skin tone, a letter with its accents), from ICU. A text cut as a last resort is cut
// between clusters, never inside one.
#include <string_view>
#include <vector>

namespace araldo::text {

// The clusters of valid UTF-8 text, in order, as views into it; empty if it is invalid.
std::vector<std::string_view> grapheme_clusters(std::string_view utf8);

}  // namespace araldo::text
