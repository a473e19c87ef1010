#pragma once
// Telegram's reading of a parse_mode=HTML message, written for the emulator alone (never
// the daemon's parser): the tags the Bot API allows, with their required attributes and
// proper nesting; the four named entities and numeric ones; a bare '<', '>' or '&'
// refused. The length Telegram limits is the visible text's, in UTF-16 code units.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace araldo::emulator::telegram {

struct VisibleText {
  std::string text;
  std::size_t utf16_length = 0;
};

// The visible text, or the Bot API's "can't parse entities: ..." description.
std::variant<VisibleText, std::string> read_bot_html(std::string_view html);

// The visible text of a message sent without parse_mode (or the reason it is refused).
std::variant<VisibleText, std::string> read_plain(std::string_view text);

constexpr std::size_t max_text_length = 4096;

}  // namespace araldo::emulator::telegram
