#include "channels/inbound/inbound.hpp"

#include <openssl/crypto.h>
#include <unicode/unistr.h>

namespace araldo::channels {

bool same_secret(std::string_view a, std::string_view b) {
  // The length is not secret (signatures are fixed-length hex); the contents are.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string fold_keyword(std::string_view text) {
  auto u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
  u.trim();
  u.foldCase();
  std::string out;
  u.toUTF8String(out);
  return out;
}

void KeywordSet::add(const std::string& language, const std::string& word) {
  words_.emplace(fold_keyword(word), language);
}

std::optional<std::string> KeywordSet::match(std::string_view text) const {
  const auto it = words_.find(fold_keyword(text));
  if (it == words_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<std::string, std::string>> KeywordSet::match_prefix(
    std::string_view text) const {
  const auto folded = fold_keyword(text);
  const auto space = folded.find_last_of(" \t");
  if (space == std::string::npos) return std::nullopt;
  auto head = folded.substr(0, space);
  while (!head.empty() && (head.back() == ' ' || head.back() == '\t')) head.pop_back();
  const auto it = words_.find(head);
  if (it == words_.end()) return std::nullopt;
  std::string word = folded.substr(space + 1);
  for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return std::pair{it->second, word};
}

}  // namespace araldo::channels
