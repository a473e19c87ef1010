#pragma once
// API keys: created once and shown once; only their SHA-256 is stored.
#include <optional>
#include <string>

#include "daemon/store/database.hpp"

namespace araldo::store {

std::string hash_api_key(const std::string& key);

struct CreatedKey {
  std::string name;
  std::string key;  // show to the operator now; it cannot be recovered later
};

// Throws std::invalid_argument for a bad or already-used name.
CreatedKey create_api_key(pqxx::connection& conn, const std::string& name,
                          const std::string& actor);

// The name of the live (not revoked) key, if the key is one.
std::optional<std::string> find_api_key(pqxx::connection& conn, const std::string& key);

bool revoke_api_key(pqxx::connection& conn, const std::string& name, const std::string& actor);

// The same, each on a pooled connection.
CreatedKey create_api_key(Database& db, const std::string& name, const std::string& actor);
std::optional<std::string> find_api_key(Database& db, const std::string& key);
bool revoke_api_key(Database& db, const std::string& name, const std::string& actor);

}  // namespace araldo::store
