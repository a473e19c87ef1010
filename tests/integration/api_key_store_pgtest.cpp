#include <gtest/gtest.h>

#include "daemon/store/api_key_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

TEST(ApiKeyStore, CreatesFindsAndRevokesStoringOnlyTheHash) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  auto created = store::create_api_key(c, "sala-operativa", "admin");
  EXPECT_EQ(created.key.rfind("araldo_", 0), 0u);
  EXPECT_EQ(created.key.size(), 7u + 48u);
  EXPECT_EQ(db.scalar("SELECT key_sha256 FROM api_keys"), store::hash_api_key(created.key));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM api_keys WHERE key_sha256 LIKE '%' || '" + created.key +
                      "' || '%'"),
            "0");

  EXPECT_EQ(store::find_api_key(c, created.key), "sala-operativa");
  EXPECT_FALSE(store::find_api_key(c, created.key + "x"));
  EXPECT_THROW(store::create_api_key(c, "sala-operativa", "admin"), std::invalid_argument);
  EXPECT_THROW(store::create_api_key(c, "bad name", "admin"), std::invalid_argument);

  EXPECT_TRUE(store::revoke_api_key(c, "sala-operativa", "admin"));
  EXPECT_FALSE(store::find_api_key(c, created.key));
  EXPECT_FALSE(store::revoke_api_key(c, "sala-operativa", "admin"));
  EXPECT_EQ(db.scalar("SELECT string_agg(kind, ',' ORDER BY id) FROM audit_events"),
            "key.created,key.revoked");
}

TEST(ApiKeyStore, HashIsSha256Hex) {
  // printf 'abc' | sha256sum
  EXPECT_EQ(store::hash_api_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
