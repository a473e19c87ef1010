#pragma once
// API keys: created once and shown once; only their SHA-256 is stored. Each has a role
// (operator, scheduler, auditor, admin: what it may do is the API's business) and may
// expire.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

std::string hash_api_key(const std::string& key);

struct NewKey {
  std::string name;
  std::string role;
  std::optional<std::string> expires_at;  // RFC 3339; nullopt: never
};

struct CreatedKey {
  std::string name;
  std::string role;
  std::string key;  // show to the operator now; it cannot be recovered later
  std::optional<std::string> expires_at;
};

// A key that cannot be created: `field` names what is wrong ("name", "role",
// "expires_at"); `exists` when the name is taken.
struct KeyRefused : std::invalid_argument {
  KeyRefused(std::string field, const std::string& what, bool exists = false)
      : std::invalid_argument(what), field(std::move(field)), exists(exists) {}
  std::string field;
  bool exists;
};

// Throws KeyRefused for a bad or already-used name, an unknown role or an expiry that is
// not a time in the future.
CreatedKey create_api_key(pqxx::connection& conn, const NewKey& key, const std::string& actor);

struct KeyIdentity {
  std::string name;  // the actor the audit log records
  std::string role;
};
// The live key (not revoked, not expired), if the key is one.
std::optional<KeyIdentity> find_api_key(pqxx::connection& conn, const std::string& key);

bool revoke_api_key(pqxx::connection& conn, const std::string& name, const std::string& actor);

struct KeyInfo {
  std::string name;
  std::string role;
  std::string created_at;
  std::optional<std::string> created_by, expires_at, revoked_at;
};
// Every key, live or not, by name (never the key or its hash).
std::vector<KeyInfo> list_api_keys(pqxx::connection& conn);

// A key asked for something its role does not allow: an `access.denied` event.
void audit_access_denied(pqxx::connection& conn, const std::string& actor, const std::string& role,
                         const std::string& method, const std::string& path);

// The same, each on a pooled connection.
CreatedKey create_api_key(Database& db, const NewKey& key, const std::string& actor);
std::optional<KeyIdentity> find_api_key(Database& db, const std::string& key);
bool revoke_api_key(Database& db, const std::string& name, const std::string& actor);
std::vector<KeyInfo> list_api_keys(Database& db);
void audit_access_denied(Database& db, const std::string& actor, const std::string& role,
                         const std::string& method, const std::string& path);

}  // namespace araldo::store
