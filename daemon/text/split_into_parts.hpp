#pragma once
// Cutting a long text into numbered parts that each fit a platform's limit: each part is
// filled as far as it goes (every post spends the account's rate budget), cut between
// words and keeping the text's paragraph and line breaks; a word longer than a whole
// part is broken between characters. The platform says how to measure a text, where
// it may be cut (never inside markup) and how a word is broken as a last resort.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace araldo::text {

struct PartRules {
  std::size_t limit = 0;  // per part, numbering included
  int max_parts = 1;
  std::function<std::size_t(std::string_view)> measure;
  // Splits at every `separator` where a cut is allowed (outside tags, for HTML).
  std::function<std::vector<std::string>(std::string_view text, std::string_view separator)> cut;
  // Breaks one word into pieces that each measure at most `budget`, or returns {} if it
  // cannot (a tag longer than a part).
  std::function<std::vector<std::string>(std::string_view word, std::size_t budget)> break_word;
};

// Room kept in every part of a multi-part text for "\n(k/n)".
constexpr std::size_t numbering_reserve = 10;

// The text itself when it fits; otherwise parts ending in "\n(k/n)". An error says why
// it cannot be done (too many parts, an unbreakable word).
std::variant<std::vector<std::string>, std::string> split_into_parts(std::string_view text,
                                                                     const PartRules& rules);

// Splits at every occurrence of `separator`, for text without markup.
std::vector<std::string> cut_plain(std::string_view text, std::string_view separator);

}  // namespace araldo::text
