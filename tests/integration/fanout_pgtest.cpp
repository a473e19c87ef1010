// Audiences written after acceptance, against a real database: the intake keeps a large
// fan-out as a rule and counts it; expand_fanout() writes it in chunks, in each
// subscriber's language, no further ahead of sending than its window; and an act on the
// alert (cancel, approval) either sees a chunk or is seen by it.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/approval_store.hpp"
#include "daemon/store/delivery_actions_store.hpp"
#include "daemon/store/fanout_store.hpp"
#include "daemon/store/subscriber_store.hpp"
#include "tests/support/flood_alert.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait_until.hpp"

using namespace araldo;
using namespace std::chrono_literals;
using Refused = store::InsertOutcome::Refused;

namespace {

class FanoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::Database>(config::Secret(db_.dsn()), 2);
  }

  // `n` subscribers of "wa", every third in English, the others in Italian.
  void subscribe(int n, int first = 0) {
    pqxx::connection c(db_.dsn());
    std::vector<store::Subscriber> subs;
    for (int i = first; i < first + n; ++i) {
      subs.push_back({"39333" + std::to_string(1000000 + i), i % 3 == 0 ? "en" : "it",
                      "2026-01-01T10:00:00Z"});
    }
    store::upsert_subscribers(c, "wa", subs, "ops", test_support::test_pseudonyms);
  }

  store::NewAlert alert(bool held = false) {
    auto n = test_support::flood_alert();
    n.fanouts = {{"wa", "whatsapp", {{"en", {{"en", "in English"}}}}, {{"it", "in italiano"}}}};
    if (held) n.approval_expires_at = "2099-01-01T00:00:00Z";
    return n;
  }

  // Accepted with an inline limit of 10 subscribers.
  store::AcceptedAlert accept(const store::NewAlert& n) {
    pqxx::connection c(db_.dsn());
    const auto out = store::insert_alerts(c, {&n}, 10).front();
    EXPECT_EQ(out.refused, Refused::no);
    return out.accepted;
  }

  std::optional<store::FanoutChunk> expand(long long chunk, long long window = 1000) {
    return store::expand_fanout(*database_, {chunk, window}, test_support::test_pseudonyms);
  }

  // Writes chunks until none may be written; the last one.
  store::FanoutChunk expand_all(long long chunk) {
    store::FanoutChunk last;
    while (auto c = expand(chunk)) last = *c;
    return last;
  }

  std::string deliveries(const std::string& alert_id, const std::string& where = "true") {
    return db_.scalar("SELECT count(*) FROM deliveries WHERE alert_id = '" + alert_id + "' AND " +
                      where);
  }

  test_support::TestDatabase db_;
  std::unique_ptr<store::Database> database_;
};

TEST_F(FanoutTest, ALargeAudienceIsCountedAtAcceptanceAndWrittenInChunksAfterIt) {
  subscribe(30);
  const auto a = accept(alert());
  EXPECT_EQ(a.deliveries, 30);       // the answer counts the whole audience
  EXPECT_EQ(deliveries(a.id), "0");  // none written in the request's transaction
  EXPECT_EQ(db_.scalar("SELECT detail->'written_after_acceptance'->>'wa' FROM audit_events"
                       " WHERE kind = 'alert.accepted'"),
            "30");
  EXPECT_EQ(db_.scalar("SELECT audience FROM fanouts"), "30");

  // Who subscribes after acceptance is not in the audience; who leaves before their chunk
  // is not written.
  subscribe(1, 100);
  pqxx::connection c(db_.dsn());
  ASSERT_TRUE(
      store::remove_subscriber(c, "wa", "393331000029", "ops", test_support::test_pseudonyms));

  const auto first = expand(7);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->subscribers, 7);
  EXPECT_EQ(first->outcome, "");
  EXPECT_EQ(deliveries(a.id), "7");
  const auto last = expand_all(7);
  EXPECT_EQ(last.outcome, "written");
  EXPECT_EQ(last.written, 29);
  EXPECT_FALSE(expand(7));

  EXPECT_EQ(deliveries(a.id), "29");
  EXPECT_EQ(deliveries(a.id, "target = '393331000100' OR target = '393331000029'"), "0");
  // Each in their language, due now, once.
  EXPECT_EQ(deliveries(a.id, "rendered_text = 'in English' AND language = 'en'"), "10");
  EXPECT_EQ(deliveries(a.id, "rendered_text = 'in italiano'"), "19");
  EXPECT_EQ(deliveries(a.id, "next_attempt_at <= now() AND state = 'pending'"), "29");
  EXPECT_EQ(db_.scalar("SELECT count(DISTINCT target) FROM deliveries"), "29");
  EXPECT_EQ(db_.scalar("SELECT detail->>'written' || '/' || (detail->>'audience') || ' '"
                       " || (detail->>'outcome') FROM audit_events"
                       " WHERE kind = 'alert.fanout_finished'"),
            "29/30 written");

  // The status says how far along it is, and reach counts whom it reached.
  const auto status = store::find_alert(*database_, a.id);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->fanouts.size(), 1u);
  EXPECT_EQ(status->fanouts[0].written, 29);
  EXPECT_EQ(status->fanouts[0].outcome, "written");
  EXPECT_EQ(status->reach.subscribers, 29);
}

TEST_F(FanoutTest, ASmallAudienceIsStillWrittenInTheRequestsTransaction) {
  subscribe(10);
  const auto a = accept(alert());
  EXPECT_EQ(a.deliveries, 10);
  EXPECT_EQ(deliveries(a.id), "10");
  EXPECT_EQ(db_.count("fanouts"), 0);
}

TEST_F(FanoutTest, AnAudienceIsWrittenNoFurtherAheadOfSendingThanItsWindow) {
  subscribe(30);
  const auto a = accept(alert());
  ASSERT_TRUE(expand(5, 10));
  ASSERT_TRUE(expand(5, 10));
  EXPECT_FALSE(expand(5, 10));  // ten wait to be sent: the window is full
  EXPECT_EQ(deliveries(a.id), "10");
  db_.exec(
      "UPDATE deliveries SET state = 'sent', finished_at = now() WHERE id IN"
      " (SELECT id FROM deliveries ORDER BY id LIMIT 5)");
  const auto next = expand(5, 10);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->written, 15);
}

TEST_F(FanoutTest, ACancelledAlertsAudienceStopsBeingWritten) {
  subscribe(30);
  const auto a = accept(alert());
  ASSERT_TRUE(expand(10));
  EXPECT_EQ(*store::cancel_alert(*database_, "ops", a.id, "alert.cancelled", {}), 10);
  const auto end = expand(10);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->outcome, "cancelled");
  EXPECT_EQ(end->written, 10);
  EXPECT_FALSE(expand(10));
  EXPECT_EQ(deliveries(a.id), "10");
  EXPECT_EQ(deliveries(a.id, "state = 'cancelled'"), "10");
}

TEST_F(FanoutTest, AHeldAlertsAudienceWaitsForTheApprovalAndIsDueOnceApproved) {
  subscribe(30);
  const auto a = accept(alert(/*held=*/true));
  ASSERT_TRUE(expand(10));
  EXPECT_EQ(deliveries(a.id, "next_attempt_at = 'infinity'"), "10");
  const auto decision = store::decide_approval(*database_, a.id, "second", true, "");
  EXPECT_EQ(decision.result, store::ApprovalDecision::Result::decided);
  EXPECT_EQ(decision.deliveries, 10);
  EXPECT_EQ(expand_all(10).outcome, "written");
  EXPECT_EQ(deliveries(a.id, "next_attempt_at <= now()"), "30");
}

// An audience the database refuses whole (nobody can be written) ends, explained and
// audited; the others go on.
TEST_F(FanoutTest, AnAudienceTheDatabaseRefusesEndsAloneAndExplained) {
  subscribe(30);
  const auto first = accept(alert());
  const auto second = accept(alert());
  db_.exec(
      "CREATE FUNCTION refuse_first() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
      "  IF NEW.alert_id = '" +
      first.id +
      "' THEN"
      "    RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation';"
      "  END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse_first BEFORE INSERT ON deliveries"
      "  FOR EACH ROW EXECUTE FUNCTION refuse_first();");
  EXPECT_EQ(expand_all(10).outcome, "written");  // the second, after the first failed
  EXPECT_EQ(db_.scalar("SELECT outcome || ': ' || error FROM fanouts WHERE alert_id = '" +
                       first.id + "'"),
            "failed: ERROR:  refused for the test");
  EXPECT_EQ(deliveries(first.id), "0");
  EXPECT_EQ(deliveries(second.id), "30");
  EXPECT_EQ(db_.scalar("SELECT detail->>'outcome' || ' ' || (detail->>'error') FROM audit_events"
                       " WHERE kind = 'alert.fanout_finished' AND alert_id = '" +
                       first.id + "'"),
            "failed ERROR:  refused for the test");
  // Tried one at a time before giving up: the first chunk's ten, each audited, no more.
  EXPECT_EQ(db_.scalar("SELECT refused FROM fanouts WHERE alert_id = '" + first.id + "'"), "10");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events WHERE kind = 'alert.fanout_refused'"
                       " AND alert_id = '" +
                       first.id + "'"),
            "10");
}

// One subscriber the database refuses is skipped and audited by pseudonym; everyone else in
// the audience, in that chunk and after it, still gets the alert.
TEST_F(FanoutTest, ASubscriberTheDatabaseRefusesIsSkippedAndTheRestWritten) {
  subscribe(30);
  const auto a = accept(alert());
  const std::string refused_number = "393331000013";  // the 14th, in the second chunk
  db_.exec(
      "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
      "  IF NEW.target = '" +
      refused_number +
      "' THEN"
      "    RAISE EXCEPTION 'no delivery to %', NEW.target USING ERRCODE = 'check_violation';"
      "  END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse_one BEFORE INSERT ON deliveries"
      "  FOR EACH ROW EXECUTE FUNCTION refuse_one();");
  const auto last = expand_all(10);
  EXPECT_EQ(last.outcome, "written");
  EXPECT_EQ(last.written, 29);
  EXPECT_EQ(last.refused, 1);
  EXPECT_EQ(deliveries(a.id), "29");
  EXPECT_EQ(deliveries(a.id, "target = '" + refused_number + "'"), "0");
  EXPECT_EQ(db_.scalar("SELECT written || ' ' || refused || ' ' || outcome FROM fanouts"
                       " WHERE alert_id = '" +
                       a.id + "'"),
            "29 1 written");
  const auto status = store::find_alert(*database_, a.id);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->fanouts.size(), 1u);
  EXPECT_EQ(status->fanouts[0].refused, 1);
  EXPECT_EQ(status->reach.subscribers, 29);
  const auto pseudonym = test_support::test_pseudonyms.of(refused_number);
  EXPECT_EQ(db_.scalar("SELECT (detail->>'subscriber') || ' | ' || (detail->>'error')"
                       " FROM audit_events WHERE kind = 'alert.fanout_refused'"
                       " AND alert_id = '" +
                       a.id + "'"),
            pseudonym + " | ERROR:  no delivery to " + pseudonym);
  // The auditor's record never holds the number; an admin can resolve the pseudonym.
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events WHERE detail::text LIKE '%" +
                       refused_number + "%'"),
            "0");
  EXPECT_EQ(db_.scalar("SELECT address FROM pseudonyms WHERE pseudonym = '" + pseudonym + "'"),
            refused_number);
  EXPECT_EQ(db_.scalar("SELECT (detail->>'written') || ' ' || (detail->>'refused') FROM"
                       " audit_events WHERE kind = 'alert.fanout_finished' AND alert_id = '" +
                       a.id + "'"),
            "29 1");
}

// The race the lock closes: a chunk commits while a cancel waits for the alert's row.
// The cancel must then see the chunk's rows, or they would stay pending for ever.
TEST_F(FanoutTest, ACancelWaitingForAChunkCancelsWhatTheChunkWrote) {
  subscribe(30);
  const auto a = accept(alert());
  pqxx::connection chunk(db_.dsn());
  pqxx::work tx(chunk);
  // As expand_fanout does: the alert's row locked, then the chunk written.
  tx.exec_params("SELECT 1 FROM alerts WHERE id = $1::uuid FOR NO KEY UPDATE", a.id);
  tx.exec_params0(
      "INSERT INTO deliveries (alert_id, channel, channel_type, target, language, part, parts,"
      " priority, rendered_text, next_attempt_at)"
      " SELECT $1::uuid, 'wa', 'whatsapp', address, language, 1, 1, 0, 'x', now()"
      " FROM subscribers LIMIT 5",
      a.id);
  auto cancelled = std::async(std::launch::async, [&] {
    return *store::cancel_alert(*database_, "ops", a.id, "alert.cancelled", {});
  });
  ASSERT_TRUE(test_support::wait_until(
      [&] {
        return db_.scalar(
                   "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                   " AND datname = current_database()") == "1";
      },
      30s, 5ms));
  tx.commit();
  EXPECT_EQ(cancelled.get(), 5);
  EXPECT_EQ(deliveries(a.id, "state = 'pending'"), "0");
}

}  // namespace

// An import is written a chunk of rows per statement (not one document of them all), in
// one transaction: a refusal in the last chunk still leaves nothing written.
TEST(SubscriberImport, MoreRowsThanOneStatementTakesAreWrittenWholeOrNotAtAll) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  const auto row = [](int i) {
    return store::Subscriber{"39333" + std::to_string(1000000 + i), "it", "2026-01-01T10:00:00Z"};
  };
  store::upsert_subscribers(c, "wa", {row(44'000)}, "ops", test_support::test_pseudonyms);
  ASSERT_TRUE(
      store::remove_subscriber(c, "wa", row(44'000).address, "ops", test_support::test_pseudonyms));
  std::vector<store::Subscriber> all;
  for (int i = 0; i < 45'000; ++i) all.push_back(row(i));
  const auto refused =
      store::upsert_subscribers(c, "wa", all, "ops", test_support::test_pseudonyms);
  ASSERT_EQ(refused.refused.size(), 1u);
  EXPECT_EQ(refused.refused[0].index, 44'000u);
  EXPECT_EQ(db.count("subscribers"), 0);

  all.erase(all.begin() + 44'000);
  const auto written =
      store::upsert_subscribers(c, "wa", all, "ops", test_support::test_pseudonyms);
  EXPECT_TRUE(written.refused.empty());
  EXPECT_EQ(written.added, 44'999);
  EXPECT_EQ(db.count("subscribers"), 44'999);
  EXPECT_EQ(db.scalar("SELECT detail->>'added' FROM audit_events"
                      " WHERE kind = 'subscribers.imported'"),
            "44999");
}
