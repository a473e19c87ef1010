#include "daemon/text/utf8.hpp"

namespace araldo::text {

std::optional<char32_t> next_code_point(std::string_view s, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(pos);
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (c < 0x80) {
    ++pos;
    return c;
  } else if ((c >> 5) == 0x6) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c >> 4) == 0xE) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c >> 3) == 0x1E) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + len > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(pos + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(pos + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  pos += len;
  return cp;
}

std::string valid_utf8(std::string_view s) {
  if (!first_invalid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t pos = 0; pos < s.size();) {
    const auto start = pos;
    if (next_code_point(s, pos)) {
      out.append(s.substr(start, pos - start));
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++pos;
    }
  }
  return out;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
  for (std::size_t pos = 0; pos < s.size();) {
    if (!next_code_point(s, pos)) return pos;
  }
  return std::nullopt;
}

}  // namespace araldo::text
