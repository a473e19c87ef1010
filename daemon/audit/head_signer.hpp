#pragma once
// Signed tree heads: Ed25519 (OpenSSL) over a fixed text naming the log's size and root,
// so a head published elsewhere (a newspaper, a regulator's inbox) cannot be forged.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "daemon/audit/merkle.hpp"

namespace araldo::audit {

// What is signed: "araldo-audit-head-v1\n<size>\n<root hex>\n<signed_at>".
std::string head_message(std::uint64_t size, const merkle::Hash& root,
                         const std::string& signed_at);

class HeadSigner {
 public:
  // `seed_hex`: the 32-byte Ed25519 private key, as 64 hex digits. Throws if malformed.
  explicit HeadSigner(const std::string& seed_hex);
  ~HeadSigner();
  HeadSigner(const HeadSigner&) = delete;
  HeadSigner& operator=(const HeadSigner&) = delete;

  std::string public_key_hex() const;
  std::string sign_hex(const std::string& message) const;

 private:
  struct Key;
  std::unique_ptr<Key> key_;
};

// Whether `signature_hex` is `public_key_hex`'s Ed25519 signature of `message`.
bool verify_head_signature(const std::string& public_key_hex, const std::string& message,
                           const std::string& signature_hex);

}  // namespace araldo::audit
