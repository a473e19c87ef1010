#include "daemon/text/split_into_parts.hpp"

#include <array>

namespace araldo::text {
namespace {

constexpr std::array<std::string_view, 3> separators = {"\n\n", "\n", " "};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

struct Packer {
  const PartRules& rules;
  std::size_t budget;
  std::string error;

  // Pieces of `text`, each within budget, cutting at separators[level] or finer.
  std::vector<std::string> pieces(std::string_view text, std::size_t level) {
    if (rules.measure(text) <= budget) return {std::string(text)};
    if (level == separators.size()) {
      auto broken = rules.break_word(text, budget);
      if (broken.empty() && error.empty()) {
        error = "a part of the text cannot be cut to fit (" + std::to_string(budget) + "): '" +
                std::string(text.substr(0, 40)) + "...'";
      }
      return broken;
    }
    const auto sep = separators[level];
    std::vector<std::string> out;
    std::string current;
    for (const auto& chunk : rules.cut(text, sep)) {
      const auto trimmed = trim(chunk);
      if (trimmed.empty()) continue;
      for (auto& sub : pieces(trimmed, level + 1)) {
        if (current.empty()) {
          current = std::move(sub);
          continue;
        }
        std::string joined = current + std::string(sep) + sub;
        if (rules.measure(joined) <= budget) {
          current = std::move(joined);
        } else {
          out.push_back(std::move(current));
          current = std::move(sub);
        }
      }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
  }
};

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
  Packer packer{rules, rules.limit - numbering_reserve, {}};
  auto parts = packer.pieces(whole, 0);
  if (!packer.error.empty()) return packer.error;
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
