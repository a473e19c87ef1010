#include "channels/telegram/telegram_html.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include "daemon/text/utf8.hpp"

namespace araldo::channels::telegram {
namespace {

constexpr std::array allowed_tags = {"b",   "strong",     "i",          "em",      "u", "ins",
                                     "s",   "strike",     "del",        "span",    "a", "code",
                                     "pre", "tg-spoiler", "blockquote", "tg-emoji"};

bool is_allowed_tag(std::string_view name) {
  for (auto t : allowed_tags) {
    if (name == t) return true;
  }
  return false;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string at(std::size_t offset) {
  return " at byte offset " + std::to_string(offset);
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::variant<ParsedHtml, std::string> parse_html(std::string_view html) {
  ParsedHtml result;
  std::vector<std::string> open;
  for (std::size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      const auto end = html.find('>', i);
      if (end == std::string_view::npos) return "can't parse entities: unclosed start tag" + at(i);
      std::string_view tag = html.substr(i + 1, end - i - 1);
      const bool closing = !tag.empty() && tag.front() == '/';
      if (closing) tag.remove_prefix(1);
      const auto name_end = tag.find_first_of(" \t\n");
      const std::string name(tag.substr(0, name_end));
      if (!is_allowed_tag(name)) {
        return "can't parse entities: unsupported " + std::string(closing ? "end" : "start") +
               " tag \"" + name + "\"" + at(i);
      }
      if (closing) {
        if (open.empty() || open.back() != name) {
          return "can't parse entities: can't find end tag corresponding to start tag \"" +
                 (open.empty() ? name : open.back()) + "\"" + at(i);
        }
        open.pop_back();
      } else {
        open.push_back(name);
      }
      i = end + 1;
    } else if (c == '&') {
      const auto semi = html.find(';', i);
      if (semi == std::string_view::npos || semi - i > 10) {
        return "can't parse entities: character '&' is reserved and must be escaped" + at(i);
      }
      const std::string_view entity = html.substr(i + 1, semi - i - 1);
      if (entity == "lt") {
        result.plain += '<';
      } else if (entity == "gt") {
        result.plain += '>';
      } else if (entity == "amp") {
        result.plain += '&';
      } else if (entity == "quot") {
        result.plain += '"';
      } else if (entity.size() > 1 && entity[0] == '#') {
        const bool hex = entity[1] == 'x' || entity[1] == 'X';
        std::uint32_t cp = 0;
        const auto digits = entity.substr(hex ? 2 : 1);
        if (digits.empty()) return "can't parse entities: empty numeric entity" + at(i);
        for (char d : digits) {
          const int v = (d >= '0' && d <= '9')          ? d - '0'
                        : hex && (d >= 'a' && d <= 'f') ? d - 'a' + 10
                        : hex && (d >= 'A' && d <= 'F') ? d - 'A' + 10
                                                        : -1;
          if (v < 0 || cp > 0x10FFFF) return "can't parse entities: bad numeric entity" + at(i);
          cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return "can't parse entities: bad numeric entity" + at(i);
        }
        append_utf8(result.plain, cp);
      } else {
        return "can't parse entities: unsupported entity \"&" + std::string(entity) + ";\"" + at(i);
      }
      i = semi + 1;
    } else if (c == '>') {
      return "can't parse entities: character '>' is reserved and must be escaped" + at(i);
    } else {
      result.plain += c;
      ++i;
    }
  }
  if (!open.empty()) {
    return "can't parse entities: can't find end tag corresponding to start tag \"" + open.back() +
           "\"";
  }
  // Telegram counts UTF-16 code units: a code point past the BMP is two.
  if (!text::for_each_code_point(
          result.plain, [&](char32_t cp) { result.utf16_units += cp >= 0x10000 ? 2 : 1; })) {
    return "text must be encoded in UTF-8";
  }
  return result;
}

}  // namespace araldo::channels::telegram
