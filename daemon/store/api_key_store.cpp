#include "daemon/store/api_key_store.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <regex>
#include <stdexcept>

#include "daemon/audit/audit_event.hpp"

namespace araldo::store {
namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", data[i]);
  return out;
}

}  // namespace

std::string hash_api_key(const std::string& key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(key.data(), key.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest.data(), size);
}

CreatedKey create_api_key(pqxx::connection& conn, const std::string& name,
                          const std::string& actor) {
  static const std::regex name_shape("[A-Za-z0-9._-]{1,64}");
  if (!std::regex_match(name, name_shape)) {
    throw std::invalid_argument("a key name is 1-64 of A-Z a-z 0-9 . _ -");
  }
  std::array<unsigned char, 24> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("no randomness for a new key");
  }
  CreatedKey created{name, "araldo_" + to_hex(random.data(), random.size())};

  pqxx::work tx(conn);
  const auto inserted = tx.exec_params(
      "INSERT INTO api_keys (name, key_sha256) VALUES ($1, $2)"
      " ON CONFLICT (name) DO NOTHING RETURNING id",
      name, hash_api_key(created.key));
  if (inserted.empty()) throw std::invalid_argument("a key named '" + name + "' already exists");
  audit::append(tx, {actor, "key.created", std::nullopt, std::nullopt, {{"name", name}}});
  tx.commit();
  return created;
}

std::optional<std::string> find_api_key(pqxx::connection& conn, const std::string& key) {
  pqxx::read_transaction tx(conn);
  const auto rows = tx.exec_params(
      "SELECT name FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL", hash_api_key(key));
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

bool revoke_api_key(pqxx::connection& conn, const std::string& name, const std::string& actor) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id",
      name);
  if (rows.empty()) return false;
  audit::append(tx, {actor, "key.revoked", std::nullopt, std::nullopt, {{"name", name}}});
  tx.commit();
  return true;
}

}  // namespace araldo::store
