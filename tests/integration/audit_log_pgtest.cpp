// The audit log on a real PostgreSQL: writers append without a shared lock, a sequencer
// seals them into a Merkle tree with signed heads, and tampering by a superuser (triggers
// off) is named by the verifier.
#include <gtest/gtest.h>

#include <thread>

#include "daemon/audit/audit_verify.hpp"
#include "daemon/audit/sequencer.hpp"
#include "daemon/store/audit_writer.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

const std::string kSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const std::string kPublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

void append_events(const std::string& dsn, const std::string& actor, int n) {
  pqxx::connection c(dsn);
  for (int i = 0; i < n; ++i) {
    pqxx::work tx(c);
    store::append_audit_event(
        tx, {actor, "test.event", std::nullopt, i, boost::json::object{{"i", i}}});
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

store::Connection connect(const test_support::TestDatabase& db) {
  return store::Connection(config::Secret(db.dsn()));
}

audit::SealResult seal(const test_support::TestDatabase& db) {
  auto c = connect(db);
  return audit::Sequencer(config::Secret(kSeed)).seal_once(c);
}

// Seals until `events` are in the tree. The horizon is the cluster's oldest running
// transaction, and other tests' databases share the cluster, so it may take a few seals.
long long seal_all(const test_support::TestDatabase& db, long long events) {
  auto c = connect(db);
  audit::Sequencer sequencer{config::Secret(kSeed)};
  long long sealed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sealed < events && std::chrono::steady_clock::now() < deadline) {
    sealed += sequencer.seal_once(c).sealed;
    if (sealed < events) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return sealed;
}

audit::LogReport verify(const test_support::TestDatabase& db, audit::VerifyOptions o = {}) {
  auto c = connect(db);
  return audit::verify_log(c, o);
}

std::string head_of(const audit::LogReport& r) {
  return std::to_string(r.tree_size) + ":" + audit::merkle::hex(r.root);
}

}  // namespace

TEST(AuditLog, ConcurrentWritersAreSealedIntoOneSignedTree) {
  test_support::TestDatabase db;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back(append_events, db.dsn(), "writer" + std::to_string(w), 100);
  }
  for (auto& t : writers) t.join();
  const auto first = seal(db);
  EXPECT_TRUE(first.had_lock);
  EXPECT_EQ(first.sealed + seal_all(db, 400 - first.sealed), 400);
  EXPECT_EQ(seal(db).sealed, 0);  // nothing new
  const auto report = verify(db, {kPublicKey, {}});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.leaves, 400u);
  EXPECT_GE(report.signed_heads, 1);
  EXPECT_EQ(report.unsealed, 0);
  // Leaves follow (transaction id, event id): each writer's events in its own order.
  EXPECT_EQ(db.scalar("SELECT bool_and(ok) FROM (SELECT e.xid >= lag(e.xid) OVER (ORDER BY l.seq)"
                      " IS NOT FALSE AS ok FROM audit_leaves l JOIN audit_events e"
                      " ON e.id = l.event_id) s"),
            "t");
}

TEST(AuditLog, AnOpenTransactionHoldsBackTheSealSoLaterCommitsCannotJumpAhead) {
  test_support::TestDatabase db;
  pqxx::connection slow(db.dsn());
  pqxx::work open(slow);
  store::append_audit_event(
      open, {"slow", "test.event", std::nullopt, std::nullopt, {}});  // not committed
  append_events(db.dsn(), "fast", 3);  // committed after the slow one took its id
  EXPECT_EQ(seal(db).sealed, 0);       // the fast ones must wait: the slow one may commit
  open.commit();
  EXPECT_EQ(seal_all(db, 4), 4);
  EXPECT_EQ(db.scalar("SELECT e.actor FROM audit_leaves l JOIN audit_events e"
                      " ON e.id = l.event_id WHERE l.seq = 0"),
            "slow");
  EXPECT_TRUE(verify(db).ok);
}

TEST(AuditLog, UpdateDeleteAndTruncateAreRefusedOnEventsLeavesAndHeads) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 3);
  ASSERT_EQ(seal_all(db, 3), 3);
  pqxx::connection c(db.dsn());
  for (const char* sql :
       {"UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events WHERE id = 2",
        "TRUNCATE audit_events", "UPDATE audit_leaves SET event_id = 1", "DELETE FROM audit_leaves",
        "TRUNCATE audit_leaves", "DELETE FROM audit_heads",
        "UPDATE audit_heads SET signature = NULL", "TRUNCATE audit_heads"}) {
    pqxx::work tx(c);
    EXPECT_THROW(tx.exec0(sql), pqxx::sql_error) << sql;
  }
  EXPECT_EQ(db.count("audit_events"), 3);
  EXPECT_EQ(db.count("audit_leaves"), 3);
}

TEST(AuditLog, TheDaemonsRoleMayOnlyReadAndAppend) {
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

TEST(AuditLog, VerifierNamesAChangedARemovedAndAForgedEvent) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 10);
  ASSERT_EQ(seal_all(db, 10), 10);
  ASSERT_TRUE(verify(db).ok);
  const auto fourth = db.scalar("SELECT event_id FROM audit_leaves WHERE seq = 3");

  tamper(db, "UPDATE audit_events SET detail = '{\"i\": 99}' WHERE id = " + fourth);
  auto changed = verify(db);
  EXPECT_FALSE(changed.ok);
  EXPECT_EQ(std::to_string(changed.bad_event_id), fourth);
  EXPECT_EQ(changed.leaves, 3u);
  EXPECT_NE(changed.problem.find("was changed"), std::string::npos) << changed.problem;

  test_support::TestDatabase other;
  append_events(other.dsn(), "ops", 10);
  ASSERT_EQ(seal_all(other, 10), 10);
  const auto seventh = other.scalar("SELECT event_id FROM audit_leaves WHERE seq = 6");
  tamper(other, "DELETE FROM audit_events WHERE id = " + seventh);
  auto removed = verify(other);
  EXPECT_FALSE(removed.ok);
  EXPECT_EQ(std::to_string(removed.bad_event_id), seventh);
  EXPECT_NE(removed.problem.find("was removed"), std::string::npos) << removed.problem;

  test_support::TestDatabase third;
  append_events(third.dsn(), "ops", 5);
  ASSERT_EQ(seal_all(third, 5), 5);
  // An event slipped into the past: its transaction id placed before the last seal.
  tamper(third,
         "INSERT INTO audit_events (actor, kind, xid) SELECT 'mallory', 'alert.accepted',"
         " min(xid) FROM audit_events");
  auto forged = verify(third);
  EXPECT_FALSE(forged.ok);
  EXPECT_NE(forged.problem.find("inserted afterwards"), std::string::npos) << forged.problem;
}

TEST(AuditLog, AKeptHeadStaysValidAsTheLogGrowsAndCatchesAConsistentRewrite) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 6);
  ASSERT_EQ(seal_all(db, 6), 6);
  const auto kept_text = head_of(verify(db));
  const auto kept = audit::parse_kept_head(kept_text);
  ASSERT_TRUE(kept);
  append_events(db.dsn(), "ops", 5);
  ASSERT_EQ(seal_all(db, 5), 5);
  auto grown = verify(db, {kPublicKey, {*kept}});
  EXPECT_TRUE(grown.ok) << grown.problem;  // a prefix of the larger log
  EXPECT_EQ(grown.tree_size, 11u);

  // A superuser rewrites history consistently: new content, leaves and heads recomputed
  // and re-signed with the daemon's own key. Only the kept head can tell.
  tamper(db,
         "UPDATE audit_events SET detail = '{\"i\": 42}' WHERE id = (SELECT event_id FROM"
         " audit_leaves WHERE seq = 1)");
  tamper(db, "DELETE FROM audit_leaves; DELETE FROM audit_heads");
  ASSERT_EQ(seal_all(db, 11), 11);
  const auto rewritten = verify(db, {kPublicKey, {}});
  EXPECT_TRUE(rewritten.ok) << rewritten.problem;  // self-consistent
  auto caught = verify(db, {kPublicKey, {*kept}});
  EXPECT_FALSE(caught.ok);
  EXPECT_NE(caught.problem.find("not a prefix"), std::string::npos) << caught.problem;
}

TEST(AuditLog, AHeadSignedByAnotherKeyOrNotAtAllIsRefused) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 3);
  {
    auto c = connect(db);
    audit::Sequencer stranger{config::Secret(std::string(64, '7'))};  // a stranger's key
    long long sealed = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (sealed < 3 && std::chrono::steady_clock::now() < deadline) {
      sealed += stranger.seal_once(c).sealed;
    }
    ASSERT_EQ(sealed, 3);
  }
  EXPECT_TRUE(verify(db).ok);  // valid by itself
  auto pinned = verify(db, {kPublicKey, {}});
  EXPECT_FALSE(pinned.ok);
  EXPECT_NE(pinned.problem.find("another key"), std::string::npos) << pinned.problem;

  test_support::TestDatabase bad_signature;
  append_events(bad_signature.dsn(), "ops", 3);
  ASSERT_EQ(seal_all(bad_signature, 3), 3);
  tamper(bad_signature,
         "UPDATE audit_heads SET signed_at = '2000-01-01T00:00:00.000000Z'");  // re-dated
  auto redated = verify(bad_signature, {kPublicKey, {}});
  EXPECT_FALSE(redated.ok);
  EXPECT_NE(redated.problem.find("does not verify"), std::string::npos) << redated.problem;
}

// An auditor's verify reads batches of leaves on several connections at once, all in one
// snapshot: the result is the same as one connection's, and a change in any batch, read by
// any of them, is found and named.
TEST(AuditLog, AVerifyReadingOnThreeConnectionsAgreesWithOneAndFindsAChangeInAnyBatch) {
  test_support::TestDatabase db;
  append_events(db.dsn(), "ops", 50);
  ASSERT_EQ(seal_all(db, 50), 50);
  auto main = connect(db), second = connect(db), third = connect(db);
  audit::VerifyOptions small_batches;
  small_batches.batch = 7;  // 8 batches, the last one short
  const auto alone = verify(db);
  ASSERT_TRUE(alone.ok) << alone.problem;
  // Several times over: reads past the end still running on the first connection once
  // the leaves are done must not meet the statements that follow on it.
  for (int round = 0; round < 10; ++round) {
    const auto together = audit::verify_log(main, small_batches, {&second, &third});
    ASSERT_TRUE(together.ok) << together.problem;
    EXPECT_EQ(together.leaves, 50u);
    EXPECT_EQ(together.root, alone.root);
    EXPECT_EQ(together.heads, alone.heads);
    EXPECT_EQ(together.unsealed, 0);
  }

  for (const int seq : {0, 20, 36, 49}) {  // batches read by each of the three
    test_support::TestDatabase copy;
    append_events(copy.dsn(), "ops", 50);
    ASSERT_EQ(seal_all(copy, 50), 50);
    const auto event =
        copy.scalar("SELECT event_id FROM audit_leaves WHERE seq = " + std::to_string(seq));
    tamper(copy, "UPDATE audit_events SET actor = 'mallory' WHERE id = " + event);
    auto a = connect(copy), b = connect(copy), c = connect(copy);
    const auto report = audit::verify_log(a, small_batches, {&b, &c});
    EXPECT_FALSE(report.ok) << "leaf " << seq;
    EXPECT_EQ(std::to_string(report.bad_event_id), event) << "leaf " << seq;
    EXPECT_EQ(report.leaves, static_cast<std::uint64_t>(seq)) << "leaf " << seq;
  }
}
