#include "daemon/store/migrator.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <stdexcept>

#include "daemon/store/pq.hpp"

namespace araldo::store {

const std::map<std::string, std::string>& embedded_migrations();  // generated at build time

namespace {
// Any constant will do, as long as no other code takes the same advisory lock.
constexpr long long migration_lock_key = 0x41524c444f4d4947;  // "ARLDOMIG"

void ensure_table(pqxx::connection& conn) {
  pqxx::work tx(conn);
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  tx.commit();
}
}  // namespace

std::vector<Migration> known_migrations() {
  static const std::regex file_name(R"(([0-9]{3})_([a-z0-9_]+)\.sql)");
  std::vector<Migration> out;
  for (const auto& [name, sql] : embedded_migrations()) {
    std::smatch m;
    if (!std::regex_match(name, m, file_name)) {
      throw std::logic_error("schema file not named NNN_name.sql: " + name);
    }
    out.push_back({std::stoi(m[1]), m[2], sql});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  return out;
}

int latest_migration_version() {
  auto all = known_migrations();
  return all.empty() ? 0 : all.back().version;
}

int current_schema_version(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>();
  if (!exists) return 0;
  return tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
}

std::vector<int> apply_migrations(pqxx::connection& conn) {
  ensure_table(conn);
  std::vector<int> applied;
  for (const auto& m : known_migrations()) {
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock_key);
    if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version).empty()) {
      continue;
    }
    tx.exec0(m.sql);
    tx.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                    m.name);
    tx.commit();
    applied.push_back(m.version);
  }
  return applied;
}

int current_schema_version(Database& db) {
  return db.with_connection([](pqxx::connection& c) { return current_schema_version(c); });
}

std::vector<int> apply_migrations(Database& db) {
  return db.with_connection([](pqxx::connection& c) { return apply_migrations(c); });
}

}  // namespace araldo::store
