#include <gtest/gtest.h>

#include "daemon/api/health_api.hpp"
#include "daemon/store/migrator.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

TEST(Readiness, NeedsTheDatabaseTheCurrentSchemaAndTheDispatcher) {
  test_support::TestDatabase db(/*migrate=*/false);
  store::Database database(config::Secret(db.dsn()), 1);
  auto unmigrated = api::readyz(database, [] { return true; });
  EXPECT_EQ(unmigrated.status, 503);
  EXPECT_NE(unmigrated.body.find("schema is at version 0"), std::string::npos);
  EXPECT_NE(unmigrated.body.find("araldod migrate"), std::string::npos);

  {
    pqxx::connection c(db.dsn());
    store::apply_migrations(c);
  }
  EXPECT_EQ(api::readyz(database, [] { return false; }).status, 503);
  auto ready = api::readyz(database, [] { return true; });
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find("\"status\":\"ready\""), std::string::npos);

  store::Database down(config::Secret("host=127.0.0.1 port=1 connect_timeout=2"), 1);
  auto unreachable = api::readyz(down, [] { return true; });
  EXPECT_EQ(unreachable.status, 503);
  EXPECT_NE(unreachable.body.find("database unreachable"), std::string::npos);
  EXPECT_EQ(api::healthz().status, 200);  // the process itself is fine
}
