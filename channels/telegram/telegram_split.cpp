#include "channels/telegram/telegram_split.hpp"

#include <limits>

#include "channels/telegram/telegram_html.hpp"
#include "daemon/text/graphemes.hpp"
#include "daemon/text/split_into_parts.hpp"

namespace araldo::channels::telegram {
namespace {

std::size_t visible_length(std::string_view html) {
  auto parsed = parse_html(html);
  if (auto* p = std::get_if<ParsedHtml>(&parsed)) return p->utf16_units;
  return std::numeric_limits<std::size_t>::max();  // never fits: not a place to cut
}

// Splits at `separator` only where no tag is open and not inside a tag's own text.
std::vector<std::string> cut_outside_tags(std::string_view html, std::string_view separator) {
  std::vector<std::string> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < html.size();) {
    if (html[i] == '<') {
      const auto end = html.find('>', i);
      if (end == std::string_view::npos) break;
      const bool closing = i + 1 < html.size() && html[i + 1] == '/';
      depth += closing ? -1 : 1;
      i = end + 1;
    } else if (depth == 0 && html.substr(i, separator.size()) == separator) {
      out.emplace_back(html.substr(start, i - start));
      i += separator.size();
      start = i;
    } else {
      ++i;
    }
  }
  out.emplace_back(html.substr(start));
  return out;
}

// Breaks a word between grapheme clusters (a flag stays whole), keeping entities whole;
// a word holding a tag is not broken (the tag would be cut).
std::vector<std::string> break_word(std::string_view html, std::size_t budget) {
  if (html.find('<') != std::string_view::npos) return {};
  const auto clusters = text::grapheme_clusters(html);
  if (clusters.empty()) return {};
  std::vector<std::string> out;
  std::string current;
  std::size_t units = 0;
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    std::string atom(clusters[k]);
    if (atom == "&") {  // an entity: up to its ';', one character once parsed
      while (atom.back() != ';' && ++k < clusters.size()) atom += clusters[k];
      if (atom.back() != ';') return {};
    }
    const auto atom_units = visible_length(atom);
    if (atom_units > budget) return {};
    if (units + atom_units > budget) {
      out.push_back(std::move(current));
      current.clear();
      units = 0;
    }
    current += atom;
    units += atom_units;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

Split split_message(std::string_view html, std::size_t limit) {
  text::PartRules rules;
  rules.limit = limit;
  rules.max_parts = max_parts;
  rules.measure = visible_length;
  rules.cut = cut_outside_tags;
  rules.break_word = break_word;
  auto parts = text::split_into_parts(html, rules);
  if (auto* why = std::get_if<std::string>(&parts)) return *why;
  return std::get<std::vector<std::string>>(parts);
}

}  // namespace araldo::channels::telegram
