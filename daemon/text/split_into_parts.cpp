#include "daemon/text/split_into_parts.hpp"

#include <array>
#include <optional>

namespace araldo::text {
namespace {

constexpr std::array<std::string_view, 3> separators = {"\n\n", "\n", " "};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// A word and the separator that came before it in the text.
struct Token {
  std::string_view separator;
  std::string word;
};

// Every word of the text in order, each with the separator before it ("\n\n" at a new
// paragraph, "\n" at a new line, " " between words); a word longer than a part is
// broken into pieces joined without a separator.
std::optional<std::vector<Token>> tokens(std::string_view text, const PartRules& rules,
                                         std::size_t budget, std::string& error) {
  std::vector<Token> out;
  std::string_view pending;  // the strongest separator seen since the last word
  auto strongest = [](std::string_view a, std::string_view b) {
    return a.size() >= b.size() ? a : b;
  };
  for (const auto& paragraph : rules.cut(text, separators[0])) {
    pending = out.empty() ? "" : strongest(pending, separators[0]);
    for (const auto& line : rules.cut(trim(paragraph), separators[1])) {
      pending = out.empty() ? "" : strongest(pending, separators[1]);
      for (const auto& word : rules.cut(trim(line), separators[2])) {
        const auto w = trim(word);
        if (w.empty()) continue;
        if (rules.measure(w) <= budget) {
          out.push_back({pending, std::string(w)});
        } else {
          auto pieces = rules.break_word(w, budget);
          if (pieces.empty()) {
            error = "a part of the text cannot be cut to fit (" + std::to_string(budget) + "): '" +
                    std::string(w.substr(0, 40)) + "...'";
            return std::nullopt;
          }
          for (std::size_t k = 0; k < pieces.size(); ++k) {
            out.push_back({k == 0 ? pending : std::string_view(), std::move(pieces[k])});
          }
        }
        pending = separators[2];
      }
    }
  }
  return out;
}

}  // namespace

std::variant<std::vector<std::string>, std::string> split_into_parts(std::string_view text,
                                                                     const PartRules& rules) {
  const auto whole = trim(text);
  if (whole.empty()) return std::string("the text is empty");
  if (rules.measure(whole) <= rules.limit) return std::vector<std::string>{std::string(whole)};
  if (rules.max_parts <= 1) {
    return "the text measures " + std::to_string(rules.measure(whole)) + "; the limit is " +
           std::to_string(rules.limit);
  }
  // Every post spends the account's rate budget: fill each part as far as it goes,
  // cutting at the last separator that fits.
  const std::size_t budget = rules.limit - numbering_reserve;
  std::string error;
  auto words = tokens(whole, rules, budget, error);
  if (!words) return error;
  std::vector<std::string> parts;
  std::string current;
  for (auto& token : *words) {
    if (!current.empty()) {
      std::string joined = current + std::string(token.separator) + token.word;
      if (rules.measure(joined) <= budget) {
        current = std::move(joined);
        continue;
      }
      parts.push_back(std::move(current));
    }
    current = std::move(token.word);
  }
  if (!current.empty()) parts.push_back(std::move(current));
  if (static_cast<int>(parts.size()) > rules.max_parts) {
    return "the text would need " + std::to_string(parts.size()) + " parts; at most " +
           std::to_string(rules.max_parts) + " are sent";
  }
  const auto n = parts.size();
  for (std::size_t k = 0; k < n; ++k) {
    parts[k] += "\n(" + std::to_string(k + 1) + "/" + std::to_string(n) + ")";
  }
  return parts;
}

std::vector<std::string> cut_plain(std::string_view text, std::string_view separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto pos = text.find(separator); pos != std::string_view::npos;
       pos = text.find(separator, start)) {
    out.emplace_back(text.substr(start, pos - start));
    start = pos + separator.size();
  }
  out.emplace_back(text.substr(start));
  return out;
}

}  // namespace araldo::text
