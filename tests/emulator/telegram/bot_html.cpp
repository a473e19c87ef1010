#include "tests/emulator/telegram/bot_html.hpp"

#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include <map>
#include <regex>
#include <vector>

namespace araldo::emulator::telegram {
namespace {

// Tag name -> the attribute it needs ("" for none), as the Bot API documents them.
const std::map<std::string, std::string>& allowed_tags() {
  static const std::map<std::string, std::string> tags = {
      {"b", ""},          {"strong", ""},     {"i", ""},         {"em", ""},
      {"u", ""},          {"ins", ""},        {"s", ""},         {"strike", ""},
      {"del", ""},        {"tg-spoiler", ""}, {"code", ""},      {"pre", ""},
      {"blockquote", ""}, {"a", "href"},      {"span", "class"}, {"tg-emoji", "emoji-id"}};
  return tags;
}

std::variant<VisibleText, std::string> measured(std::string text) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t units = 0;
  u_strFromUTF8(nullptr, 0, &units, text.data(), static_cast<int32_t>(text.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    return std::string("Bad Request: strings must be encoded in UTF-8");
  }
  return VisibleText{std::move(text), static_cast<std::size_t>(units)};
}

}  // namespace

std::variant<VisibleText, std::string> read_bot_html(std::string_view html) {
  static const std::regex tag_re(R"re(^<(/?)([a-z][a-z-]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>)re",
                                 std::regex::icase);
  static const std::regex attr_re(R"re(\s+([a-z-]+)(?:="([^"<>]*)")?)re", std::regex::icase);
  static const std::regex entity_re(R"(^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)");
  const std::string err = "Bad Request: can't parse entities: ";
  std::vector<std::string> stack;
  std::string visible;
  const std::string source(html);
  for (std::size_t i = 0; i < source.size();) {
    const char c = source[i];
    if (c == '<') {
      std::smatch m;
      // A tag is short: look at a bounded window so a long text stays linear.
      const std::string window = source.substr(i, 512);
      if (!std::regex_search(window, m, tag_re)) {
        return err + "unexpected '<' at byte offset " + std::to_string(i);
      }
      std::string name = m[2];
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      const auto allowed = allowed_tags().find(name);
      if (allowed == allowed_tags().end()) {
        return err + "unsupported tag \"" + name + "\" at byte offset " + std::to_string(i);
      }
      if (m[1].length() > 0) {
        if (stack.empty() || stack.back() != name) {
          return err + "unmatched end tag \"" + name + "\" at byte offset " + std::to_string(i);
        }
        stack.pop_back();
      } else {
        std::map<std::string, std::string> attrs;
        const std::string attr_text = m[3];
        for (std::sregex_iterator a(attr_text.begin(), attr_text.end(), attr_re), end; a != end;
             ++a) {
          attrs[(*a)[1]] = (*a)[2];
        }
        if (!allowed->second.empty() && !attrs.contains(allowed->second)) {
          return err + "tag \"" + name + "\" must have attribute " + allowed->second;
        }
        if (name == "span" && attrs["class"] != "tg-spoiler") {
          return err + "tag \"span\" must have class \"tg-spoiler\"";
        }
        stack.push_back(name);
      }
      i += static_cast<std::size_t>(m.length(0));
    } else if (c == '&') {
      std::smatch m;
      const std::string window = source.substr(i, 16);
      if (!std::regex_search(window, m, entity_re)) {
        return err + "unsupported entity or bare '&' at byte offset " + std::to_string(i);
      }
      const std::string e = m[1];
      if (e == "lt")
        visible += '<';
      else if (e == "gt")
        visible += '>';
      else if (e == "amp")
        visible += '&';
      else if (e == "quot")
        visible += '"';
      else {
        const long cp = e[1] == 'x' ? std::stol(e.substr(2), nullptr, 16) : std::stol(e.substr(1));
        if (cp <= 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return err + "bad numeric entity at byte offset " + std::to_string(i);
        }
        std::string utf8;
        icu::UnicodeString(static_cast<UChar32>(cp)).toUTF8String(utf8);
        visible += utf8;
      }
      i += static_cast<std::size_t>(m.length(0));
    } else if (c == '>') {
      return err + "unexpected '>' at byte offset " + std::to_string(i);
    } else {
      visible += c;
      ++i;
    }
  }
  if (!stack.empty()) return err + "unclosed tag \"" + stack.back() + "\"";
  return measured(std::move(visible));
}

std::variant<VisibleText, std::string> read_plain(std::string_view text) {
  return measured(std::string(text));
}

}  // namespace araldo::emulator::telegram
