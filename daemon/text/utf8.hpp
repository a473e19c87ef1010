#pragma once
// The one UTF-8 decoder: strict (no overlong forms, no surrogates, nothing past
// U+10FFFF), used wherever text is validated, measured or weighed.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace araldo::text {

// Decodes the code point at `pos` and advances `pos` past it; nullopt (and `pos`
// unchanged) when the bytes there are not valid UTF-8.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& pos);

// Offset of the first byte that is not valid UTF-8, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);

// The text with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

// Calls fn(code point) for each one; false if the text is not valid UTF-8.
template <typename Fn>
bool for_each_code_point(std::string_view s, Fn&& fn) {
  for (std::size_t pos = 0; pos < s.size();) {
    const auto cp = next_code_point(s, pos);
    if (!cp) return false;
    fn(*cp);
  }
  return true;
}

}  // namespace araldo::text
