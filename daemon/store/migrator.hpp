#pragma once
// Applies schema/NNN_name.sql in order, each in its own transaction, recording each in
// schema_migrations. An advisory lock keeps two daemons from migrating at once.
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// The migrations compiled into this binary, by version.
std::vector<Migration> known_migrations();
int latest_migration_version();

// The highest version applied, 0 for an empty database.
int current_schema_version(pqxx::connection& conn);
// Applies what is missing; returns the versions applied.
std::vector<int> apply_migrations(pqxx::connection& conn);

// The same, on a pooled connection.
int current_schema_version(Database& db);
std::vector<int> apply_migrations(Database& db);

}  // namespace araldo::store
