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

std::string masked(std::string_view address) {
  if (is_pseudonym(address)) return std::string(address);  // erased: nothing to mask
  const auto tail = address.size() > 4 ? address.substr(address.size() - 4) : address;
  // Country code and operator prefix only where at least three digits stay hidden besides
  // them (an Italian mobile, as the example); a shorter number shows its tail only.
  if (address.size() >= 12) {
    return "+" + std::string(address.substr(0, 2)) + " " + std::string(address.substr(2, 3)) +
           " ***" + std::string(tail);
  }
  return "***" + std::string(tail);
}

}  // namespace araldo::privacy
