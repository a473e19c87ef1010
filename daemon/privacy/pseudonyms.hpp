#pragma once
// Citizens' numbers and private chat ids are personal data: the audit log names them by a
// keyed pseudonym (HMAC-SHA-256 with privacy.pseudonym_key), so an auditor can follow one
// citizen through the log without reading the number, and erasing the mapping from
// pseudonym to number (the `pseudonyms` table) leaves the signed log intact.
#include <string>
#include <string_view>

#include "daemon/config/secret.hpp"

namespace araldo::privacy {

class Pseudonyms {
 public:
  explicit Pseudonyms(config::Secret key) : key_(std::move(key)) {}
  // "sub:" and the first 128 bits of HMAC-SHA-256(key, address), as hex. The same address
  // always gets the same pseudonym under one key.
  std::string of(std::string_view address) const;

 private:
  config::Secret key_;
};

bool is_pseudonym(std::string_view text);

}  // namespace araldo::privacy
