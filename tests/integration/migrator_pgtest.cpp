#include <gtest/gtest.h>

#include "daemon/store/migrator.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

TEST(Migrator, AppliesEverythingOnceAndRecordsIt) {
  test_support::TestDatabase db(/*migrate=*/false);
  pqxx::connection c(db.dsn());
  EXPECT_EQ(store::current_schema_version(c), 0);
  const auto applied = store::apply_migrations(c);
  EXPECT_EQ(applied.size(), store::known_migrations().size());
  EXPECT_EQ(store::current_schema_version(c), store::latest_migration_version());
  EXPECT_TRUE(store::apply_migrations(c).empty());  // idempotent
  EXPECT_EQ(db.count("schema_migrations"), static_cast<long long>(applied.size()));
  for (const char* table : {"alerts", "deliveries", "audit_events", "api_keys"}) {
    EXPECT_EQ(db.scalar(std::string("SELECT to_regclass('") + table + "') IS NOT NULL"), "t");
  }
}

TEST(Migrator, MigrationsAreNumberedFromOneWithoutGaps) {
  int expected = 1;
  for (const auto& m : store::known_migrations()) EXPECT_EQ(m.version, expected++) << m.name;
}
