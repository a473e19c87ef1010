// API keys on a real PostgreSQL: only the hash is stored, each key has a role and may
// expire, and every change is audited. Also the read-only database role for auditors.
#include <gtest/gtest.h>

#include <thread>

#include "daemon/audit/audit_verify.hpp"
#include "daemon/audit/sequencer.hpp"
#include "daemon/store/api_key_store.hpp"
#include "daemon/store/pq.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

TEST(ApiKeyStore, CreatesFindsAndRevokesStoringOnlyTheHash) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  auto created = store::create_api_key(c, {"sala-operativa", "operator", std::nullopt}, "admin");
  EXPECT_EQ(created.key.rfind("araldo_", 0), 0u);
  EXPECT_EQ(created.key.size(), 7u + 48u);
  EXPECT_EQ(db.scalar("SELECT key_sha256 FROM api_keys"), store::hash_api_key(created.key));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM api_keys WHERE key_sha256 LIKE '%' || '" + created.key +
                      "' || '%'"),
            "0");

  const auto found = store::find_api_key(c, created.key);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "sala-operativa");
  EXPECT_EQ(found->role, "operator");
  EXPECT_FALSE(store::find_api_key(c, created.key + "x"));
  EXPECT_THROW(store::create_api_key(c, {"sala-operativa", "operator", std::nullopt}, "admin"),
               store::KeyRefused);
  EXPECT_THROW(store::create_api_key(c, {"bad name", "operator", std::nullopt}, "admin"),
               store::KeyRefused);

  EXPECT_TRUE(store::revoke_api_key(c, "sala-operativa", "admin"));
  EXPECT_FALSE(store::find_api_key(c, created.key));
  EXPECT_FALSE(store::revoke_api_key(c, "sala-operativa", "admin"));
  EXPECT_EQ(db.scalar("SELECT string_agg(kind, ',' ORDER BY id) FROM audit_events"),
            "key.created,key.revoked");
  EXPECT_EQ(db.scalar("SELECT detail->>'role' FROM audit_events WHERE kind = 'key.created'"),
            "operator");
}

TEST(ApiKeyStore, AnUnknownRoleOrAnExpiryInThePastIsRefusedAndNothingIsWritten) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  try {
    store::create_api_key(c, {"cron", "root", std::nullopt}, "admin");
    FAIL() << "an unknown role was accepted";
  } catch (const store::KeyRefused& e) {
    EXPECT_EQ(e.field, "role");
  }
  try {
    store::create_api_key(c, {"cron", "scheduler", "2020-01-01T00:00:00+01:00"}, "admin");
    FAIL() << "an expiry in the past was accepted";
  } catch (const store::KeyRefused& e) {
    EXPECT_EQ(e.field, "expires_at");
  }
  try {
    store::create_api_key(c, {"cron", "scheduler", "2027-02-30T00:00:00+01:00"}, "admin");
    FAIL() << "a day that does not exist was accepted";
  } catch (const store::KeyRefused& e) {
    EXPECT_EQ(e.field, "expires_at");
  }
  EXPECT_EQ(db.count("api_keys"), 0);
  EXPECT_EQ(db.count("audit_events"), 0);
}

TEST(ApiKeyStore, AnExpiredKeyNoLongerAuthenticatesAndTheListShowsEveryKey) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  const auto lasting = store::create_api_key(c, {"auditor-2027", "auditor", std::nullopt}, "ops");
  const auto brief =
      store::create_api_key(c, {"cron-test", "scheduler", "2099-01-01T00:00:00+00:00"}, "ops");
  ASSERT_TRUE(brief.expires_at);
  EXPECT_TRUE(store::find_api_key(c, brief.key));
  // The clock cannot be moved: move the expiry instead, as time passing would.
  pqxx::nontransaction(c).exec0(
      "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE name = 'cron-test'");
  EXPECT_FALSE(store::find_api_key(c, brief.key));
  EXPECT_TRUE(store::find_api_key(c, lasting.key));

  const auto keys = store::list_api_keys(c);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "auditor-2027");
  EXPECT_EQ(keys[0].role, "auditor");
  EXPECT_EQ(keys[0].created_by, "ops");
  EXPECT_FALSE(keys[0].expires_at);
  EXPECT_EQ(keys[1].name, "cron-test");
  EXPECT_TRUE(keys[1].expires_at);
}

TEST(ApiKeyStore, ARefusalForTheRoleIsAnAuditEvent) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::audit_access_denied(c, "cron", "scheduler", "POST", "/v1/alerts/x/cancel");
  EXPECT_EQ(db.scalar("SELECT actor || ' ' || kind || ' ' || (detail->>'path') FROM audit_events"),
            "cron access.denied /v1/alerts/x/cancel");
}

// The auditors' database role reads the log and the deliveries, and can change nothing.
TEST(AuditorRole, ReadsTheLogButCannotWriteOrReadKeys) {
  test_support::TestDatabase db;
  const std::string login = "auditor_" + db.name();
  {
    pqxx::connection admin(db.dsn());
    pqxx::nontransaction t(admin);
    t.exec0("CREATE ROLE " + login + " LOGIN PASSWORD 'pw' IN ROLE araldo_auditor");
  }
  struct DropRole {
    std::string dsn, login;
    ~DropRole() {
      try {
        pqxx::connection admin(dsn);
        pqxx::nontransaction(admin).exec0("DROP ROLE IF EXISTS " + login);
      } catch (...) {
      }
    }
  } drop{test_support::admin_dsn(), login};
  {
    pqxx::connection c(db.dsn());
    store::create_api_key(c, {"ops", "operator", std::nullopt}, "admin");  // one audit event
    // Deliveries to a WhatsApp subscriber, a Telegram private chat (named in the
    // pseudonyms table) and a public Telegram channel.
    pqxx::work tx(c);
    tx.exec0(
        "INSERT INTO alerts (id, submitted_by, headline, event, categories, severity, urgency,"
        "  certainty, language, document) VALUES ('00000000-0000-4000-8000-000000000001', 'ops',"
        "  'h', 'e', '{Met}', 'Severe', 'Immediate', 'Observed', 'it', '{}');"
        "INSERT INTO deliveries (alert_id, channel, channel_type, target, priority, rendered_text)"
        " VALUES ('00000000-0000-4000-8000-000000000001', 'wa', 'whatsapp', '393331234567', 1, "
        "'t'),"
        "  ('00000000-0000-4000-8000-000000000001', 'tg', 'telegram', '5550002', 1, 't'),"
        "  ('00000000-0000-4000-8000-000000000001', 'tg', 'telegram', '@allerta_comune', 1, 't');");
    tx.exec_params0("INSERT INTO pseudonyms (pseudonym, address) VALUES ($1, '5550002')",
                    test_support::test_pseudonyms.of("5550002"));
    tx.commit();
  }
  std::string dsn = db.dsn() + " user=" + login + " password=pw";
  pqxx::connection as_auditor(dsn);
  pqxx::nontransaction reader(as_auditor);
  EXPECT_EQ(reader.exec1("SELECT count(*) FROM audit_events")[0].as<int>(), 1);
  EXPECT_EQ(reader.exec1("SELECT count(*) FROM deliveries")[0].as<int>(), 3);
  // Never a citizen's full number: not the column, only the masked view.
  EXPECT_THROW(reader.exec0("SELECT target FROM deliveries"), pqxx::insufficient_privilege);
  EXPECT_THROW(reader.exec0("SELECT * FROM deliveries"), pqxx::insufficient_privilege);
  EXPECT_THROW(reader.exec0("SELECT * FROM pseudonyms"), pqxx::insufficient_privilege);
  EXPECT_THROW(reader.exec0("SELECT * FROM opt_outs"), pqxx::insufficient_privilege);
  EXPECT_EQ(reader
                .exec1("SELECT string_agg(target || ' ' || coalesce(pseudonym, '-'), ', '"
                       " ORDER BY id) FROM deliveries_for_auditors")[0]
                .as<std::string>(),
            "+39 333 ***4567 -, ***0002 " + test_support::test_pseudonyms.of("5550002") +
                ", @allerta_comune -");
  EXPECT_THROW(reader.exec0("SELECT count(*) FROM api_keys"), pqxx::insufficient_privilege);
  EXPECT_THROW(reader.exec0("DELETE FROM deliveries"), pqxx::insufficient_privilege);
  EXPECT_THROW(reader.exec0("INSERT INTO audit_events (actor, kind) VALUES ('mallory', 'forged')"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(reader.exec0("SELECT count(*) FROM subscribers"), pqxx::insufficient_privilege);

  // What `araldoctl audit verify` does works with this role alone (on two connections).
  {
    store::Connection sealer{config::Secret(db.dsn())};
    audit::Sequencer sequencer{std::nullopt};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sequencer.seal_once(sealer).tree_size < 1 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  store::Connection main{config::Secret(dsn)}, second{config::Secret(dsn)};
  const auto report = audit::verify_log(main, {}, {&second});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.leaves, 1u);
}
