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

}  // namespace araldo::channels
