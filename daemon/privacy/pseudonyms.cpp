#include "daemon/privacy/pseudonyms.hpp"

#include "daemon/text/digest.hpp"

namespace araldo::privacy {

namespace {
constexpr std::string_view prefix = "sub:";
constexpr std::size_t hex_digits = 32;
}  // namespace

std::string Pseudonyms::of(std::string_view address) const {
  return std::string(prefix) + text::hmac_sha256_hex(key_.reveal(), address).substr(0, hex_digits);
}

bool is_pseudonym(std::string_view text) {
  return text.size() == prefix.size() + hex_digits && text.starts_with(prefix) &&
         text.find_first_not_of("0123456789abcdef", prefix.size()) == std::string_view::npos;
}

}  // namespace araldo::privacy
