#include "channels/x/x_text_weight.hpp"

#include <cstdint>
#include <regex>
#include <string>

#include "daemon/text/utf8.hpp"

namespace araldo::channels::x {
namespace {

bool light(char32_t cp) {
  return cp <= 0x10FF || (cp >= 0x2000 && cp <= 0x200D) || (cp >= 0x2010 && cp <= 0x201F) ||
         (cp >= 0x2032 && cp <= 0x2037);
}

std::size_t weigh_text(std::string_view s) {
  std::size_t weight = 0;
  // Intake has already refused invalid UTF-8; should any reach here, weigh the rest as
  // heavy rather than under-count.
  if (!text::for_each_code_point(s, [&](char32_t cp) { weight += light(cp) ? 1 : 2; })) {
    return 2 * s.size();
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
