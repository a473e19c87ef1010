#pragma once
// Telegram's HTML parse mode: escaping alert text into it, and reading it back the way
// the Bot API does (allowed tags, the four named entities), to measure the length
// Telegram counts. The emulator uses the same reader to refuse what Telegram refuses.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace araldo::channels::telegram {

// Escapes text for use between tags or inside a double-quoted attribute.
std::string escape_html(std::string_view text);

struct ParsedHtml {
  std::string plain;            // the text a reader sees, entities decoded
  std::size_t utf16_units = 0;  // Telegram's length: UTF-16 code units of `plain`
};

// The parsed text, or the reason Telegram would answer "can't parse entities".
std::variant<ParsedHtml, std::string> parse_html(std::string_view html);

constexpr std::size_t max_message_length = 4096;

}  // namespace araldo::channels::telegram
