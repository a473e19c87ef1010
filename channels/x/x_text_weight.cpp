#include "channels/x/x_text_weight.hpp"

#include <cstdint>
#include <regex>
#include <string>

namespace araldo::channels::x {
namespace {

bool light(std::uint32_t cp) {
  return cp <= 0x10FF || (cp >= 0x2000 && cp <= 0x200D) || (cp >= 0x2010 && cp <= 0x201F) ||
         (cp >= 0x2032 && cp <= 0x2037);
}

std::size_t weigh_text(std::string_view s) {
  std::size_t weight = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    weight += light(cp) ? 1 : 2;
    i += static_cast<std::size_t>(len);
  }
  return weight;
}

}  // namespace

std::size_t weighted_length(std::string_view utf8) {
  static const std::regex url(R"(https?://[^\s]+)");
  std::size_t weight = 0;
  std::string text(utf8);
  for (std::sregex_iterator it(text.begin(), text.end(), url), end; it != end; ++it) {
    weight += url_weight;
  }
  return weight + weigh_text(std::regex_replace(text, url, ""));
}

}  // namespace araldo::channels::x
