#include "daemon/store/api_key_store.hpp"

#include <openssl/rand.h>

#include <array>
#include <regex>
#include <stdexcept>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::store {
std::string hash_api_key(const std::string& key) {
  return text::sha256_hex(key);
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
  CreatedKey created{name, "araldo_" + text::to_hex(random.data(), random.size())};

  pqxx::work tx(conn);
  const auto inserted = tx.exec_params(
      "INSERT INTO api_keys (name, key_sha256) VALUES ($1, $2)"
      " ON CONFLICT (name) DO NOTHING RETURNING id",
      name, hash_api_key(created.key));
  if (inserted.empty()) throw std::invalid_argument("a key named '" + name + "' already exists");
  append_audit_event(tx, {actor, "key.created", std::nullopt, std::nullopt, {{"name", name}}});
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
  append_audit_event(tx, {actor, "key.revoked", std::nullopt, std::nullopt, {{"name", name}}});
  tx.commit();
  return true;
}

CreatedKey create_api_key(Database& db, const std::string& name, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) { return create_api_key(c, name, actor); });
}

std::optional<std::string> find_api_key(Database& db, const std::string& key) {
  return db.with_connection([&](pqxx::connection& c) { return find_api_key(c, key); });
}

bool revoke_api_key(Database& db, const std::string& name, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) { return revoke_api_key(c, name, actor); });
}

}  // namespace araldo::store
