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

CreatedKey create_api_key(pqxx::connection& conn, const NewKey& key, const std::string& actor) {
  static const std::regex name_shape("[A-Za-z0-9._-]{1,64}");
  if (!std::regex_match(key.name, name_shape)) {
    throw KeyRefused("name", "a key name is 1-64 of A-Z a-z 0-9 . _ -");
  }
  static const std::regex role_shape("operator|scheduler|auditor|admin");
  if (!std::regex_match(key.role, role_shape)) {
    throw KeyRefused("role", "the role is one of operator, scheduler, auditor, admin");
  }
  std::array<unsigned char, 24> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("no randomness for a new key");
  }
  CreatedKey created{key.name, key.role, "araldo_" + text::to_hex(random.data(), random.size()),
                     std::nullopt};

  pqxx::work tx(conn);
  if (key.expires_at) {
    // The caller checked the shape; the database decides whether it is a real time. A
    // refusal ends the request, and the transaction with it: no savepoint is needed.
    try {
      const auto r = tx.exec_params1(
          "SELECT $1::timestamptz > now(), to_json($1::timestamptz)#>>'{}'", *key.expires_at);
      if (!r[0].as<bool>()) throw KeyRefused("expires_at", "the expiry is not in the future");
      created.expires_at = r[1].as<std::string>();
    } catch (const pqxx::data_exception&) {
      throw KeyRefused("expires_at", "the expiry is not a valid time");
    }
  }
  const auto inserted = tx.exec_params(
      "INSERT INTO api_keys (name, key_sha256, role, expires_at, created_by)"
      " VALUES ($1, $2, $3, $4::timestamptz, $5)"
      " ON CONFLICT (name) DO NOTHING RETURNING id",
      key.name, hash_api_key(created.key), key.role, key.expires_at, actor);
  if (inserted.empty()) {
    throw KeyRefused("name", "a key named '" + key.name + "' already exists", true);
  }
  boost::json::object detail{{"name", key.name}, {"role", key.role}};
  if (created.expires_at) detail["expires_at"] = *created.expires_at;
  append_audit_event(tx, {actor, "key.created", std::nullopt, std::nullopt, std::move(detail)});
  tx.commit();
  return created;
}

std::optional<KeyIdentity> find_api_key(pqxx::connection& conn, const std::string& key) {
  pqxx::read_transaction tx(conn);
  const auto rows = tx.exec_params(
      "SELECT name, role FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL"
      "   AND (expires_at IS NULL OR expires_at > now())",
      hash_api_key(key));
  if (rows.empty()) return std::nullopt;
  return KeyIdentity{rows[0][0].as<std::string>(), rows[0][1].as<std::string>()};
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

std::vector<KeyInfo> list_api_keys(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  std::vector<KeyInfo> out;
  for (const auto& r : tx.exec("SELECT name, role, to_json(created_at)#>>'{}', created_by,"
                               "       to_json(expires_at)#>>'{}', to_json(revoked_at)#>>'{}'"
                               "  FROM api_keys ORDER BY name")) {
    KeyInfo k;
    k.name = r[0].as<std::string>();
    k.role = r[1].as<std::string>();
    k.created_at = r[2].as<std::string>();
    k.created_by = text_or_null(r[3]);
    k.expires_at = text_or_null(r[4]);
    k.revoked_at = text_or_null(r[5]);
    out.push_back(std::move(k));
  }
  return out;
}

void audit_access_denied(pqxx::connection& conn, const std::string& actor, const std::string& role,
                         const std::string& method, const std::string& path) {
  pqxx::work tx(conn);
  append_audit_event(tx, {actor,
                          "access.denied",
                          std::nullopt,
                          std::nullopt,
                          {{"role", role}, {"method", method}, {"path", path}}});
  tx.commit();
}

CreatedKey create_api_key(Database& db, const NewKey& key, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) { return create_api_key(c, key, actor); });
}

std::optional<KeyIdentity> find_api_key(Database& db, const std::string& key) {
  return db.with_connection([&](pqxx::connection& c) { return find_api_key(c, key); });
}

bool revoke_api_key(Database& db, const std::string& name, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) { return revoke_api_key(c, name, actor); });
}

std::vector<KeyInfo> list_api_keys(Database& db) {
  return db.with_connection([](pqxx::connection& c) { return list_api_keys(c); });
}

void audit_access_denied(Database& db, const std::string& actor, const std::string& role,
                         const std::string& method, const std::string& path) {
  db.with_connection(
      [&](pqxx::connection& c) { audit_access_denied(c, actor, role, method, path); });
}

}  // namespace araldo::store
