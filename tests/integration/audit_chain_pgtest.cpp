// The audit log on a real PostgreSQL: append-only whoever asks, one hash chain however
// many writers, and tampering by a superuser (triggers off) named by the verifier.
#include <gtest/gtest.h>

#include <thread>

#include "daemon/audit/audit_event.hpp"
#include "daemon/audit/audit_verify.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

void append_events(const std::string& dsn, const std::string& actor, int n) {
  pqxx::connection c(dsn);
  for (int i = 0; i < n; ++i) {
    pqxx::work tx(c);
    audit::append(tx, {actor, "test.event", std::nullopt, i, boost::json::object{{"i", i}}});
    tx.commit();
  }
}

// As a superuser can: with triggers switched off for the session.
void tamper(const test_support::TestDatabase& db, const std::string& sql) {
  pqxx::connection c(db.dsn());
  pqxx::work tx(c);
  tx.exec0("SET LOCAL session_replication_role = replica");
  tx.exec0(sql);
  tx.commit();
}

audit::ChainReport verify(const test_support::TestDatabase& db) {
  pqxx::connection c(db.dsn());
  return audit::verify_chain(c);
}

}  // namespace

TEST(AuditChain, ConcurrentWritersFormOneUnbrokenChain) {
  test_support::TestDatabase db;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back(append_events, db.dsn(), "writer" + std::to_string(w), 100);
  }
  for (auto& t : writers) t.join();
  const auto report = verify(db);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.rows, 400);
  EXPECT_EQ(report.head_hash, db.scalar("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1"));
  EXPECT_EQ(db.scalar("SELECT max(seq) = count(*) FROM audit_events"), "t");
}

TEST(AuditChain, UpdateDeleteAndTruncateAreRefused) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 3);
  pqxx::connection c(db.dsn());
  for (const char* sql : {"UPDATE audit_events SET actor = 'mallory'",
                          "DELETE FROM audit_events WHERE seq = 2", "TRUNCATE audit_events"}) {
    pqxx::work tx(c);
    EXPECT_THROW(tx.exec0(sql), pqxx::sql_error) << sql;
  }
  EXPECT_EQ(db.count("audit_events"), 3);
}

TEST(AuditChain, TheDaemonsRoleMayOnlyReadAndAppend) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 1);
  pqxx::connection c(db.dsn());
  {
    pqxx::work tx(c);
    tx.exec0(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'araldo_test_login')"
        " THEN CREATE ROLE araldo_test_login LOGIN; END IF; END $$");
    tx.exec0("GRANT araldo_daemon TO araldo_test_login");
    tx.commit();
  }
  pqxx::work tx(c);
  tx.exec0("SET LOCAL ROLE araldo_test_login");
  tx.exec0(
      "INSERT INTO audit_events (actor, kind) VALUES ('system', 'test.as_daemon')");  // allowed
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM audit_events")[0].as<int>(), 2);
  tx.exec0("SAVEPOINT s");
  try {
    tx.exec0("SET LOCAL session_replication_role = replica");  // only a superuser may
    ADD_FAILURE() << "the daemon's role switched triggers off";
  } catch (const pqxx::sql_error&) {
  }
}

TEST(AuditChain, VerifierNamesTheFirstChangedRemovedOrInsertedRow) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 10);
  ASSERT_TRUE(verify(db).ok);

  tamper(db, "UPDATE audit_events SET detail = '{\"i\": 99}' WHERE seq = 4");
  auto changed = verify(db);
  EXPECT_FALSE(changed.ok);
  EXPECT_EQ(changed.first_bad_seq, 4);
  EXPECT_EQ(changed.rows, 3);
  EXPECT_NE(changed.problem.find("does not match its hash"), std::string::npos);
}

TEST(AuditChain, VerifierCatchesARemovedRowAndAForgedOne) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 10);
  tamper(db, "DELETE FROM audit_events WHERE seq = 7");
  auto removed = verify(db);
  EXPECT_FALSE(removed.ok);
  EXPECT_EQ(removed.first_bad_seq, 8);
  EXPECT_NE(removed.problem.find("seq 7 to 7 are missing"), std::string::npos);

  test_support::TestDatabase other;
  append_events(other.dsn(), "ops", 5);
  // A row slipped in at the end with a made-up hash.
  tamper(other,
         "INSERT INTO audit_events (seq, hash, actor, kind) VALUES (6, repeat('a', 64), 'mallory',"
         " 'alert.accepted')");
  auto forged = verify(other);
  EXPECT_FALSE(forged.ok);
  EXPECT_EQ(forged.first_bad_seq, 6);
  EXPECT_EQ(forged.rows, 5);
}
