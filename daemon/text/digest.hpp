#pragma once
// SHA-256 and HMAC-SHA256 from OpenSSL, as lowercase hex: API key hashes, request-body
// fingerprints for Idempotency-Key, the audit chain, Graph's appsecret_proof.
#include <cstddef>
#include <string>
#include <string_view>

namespace araldo::text {

std::string to_hex(const unsigned char* data, std::size_t size);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// `bytes` from OpenSSL's generator, as hex; throws when it has no entropy.
std::string random_hex(std::size_t bytes);

}  // namespace araldo::text
