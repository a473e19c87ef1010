// Group commit at intake against a real database: concurrent alerts share one
// transaction, and an alert refused for its own reason fails alone.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "daemon/intake/group_commit.hpp"
#include "daemon/store/subscriber_store.hpp"
#include "tests/support/flood_alert.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/wait_until.hpp"

using namespace araldo;
using namespace std::chrono_literals;
using Refused = store::InsertOutcome::Refused;

namespace {

store::NewAlert alert_to(const std::string& target, const std::string& headline = "Allerta") {
  auto n = test_support::flood_alert(headline);
  n.deliveries = {{"tg", "telegram", target, {{"it", headline}}}};
  return n;
}

bool wait_for(const std::function<bool()>& done) {
  return test_support::wait_until(done, 30s, 5ms);
}

// Holds a lock that blocks every INSERT into alerts until release(): the committer's
// first batch waits on it while the next requests queue up behind, so they are known to
// be in one batch.
class AlertsLocked {
 public:
  explicit AlertsLocked(const std::string& dsn) : conn_(dsn), tx_(conn_) {
    tx_.exec0("LOCK TABLE alerts IN SHARE MODE");
  }
  void release() { tx_.commit(); }

 private:
  pqxx::connection conn_;
  pqxx::work tx_;
};

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::Database>(config::Secret(db_.dsn()), 2);
    group_ = std::make_unique<intake::GroupCommit>(*database_, intake::GroupCommitOptions{1, 256},
                                                   [this] { ++committed_; });
  }

  // Submits `later` while the committer is stuck on a first alert, so that `later` is
  // written as one batch once the lock goes.
  std::vector<std::future<store::InsertOutcome>> one_batch(std::vector<store::NewAlert>& later) {
    AlertsLocked lock(db_.dsn());
    first_ = alert_to("@first");
    std::vector<std::future<store::InsertOutcome>> out;
    out.push_back(std::async(std::launch::async, [&] { return group_->submit(first_); }));
    EXPECT_TRUE(wait_for([&] { return group_->queued() == 0 && blocked_inserts() == 1; }));
    for (auto& n : later) {
      out.push_back(std::async(std::launch::async, [&] { return group_->submit(n); }));
    }
    EXPECT_TRUE(wait_for([&] { return group_->queued() == later.size(); }));
    lock.release();
    return out;
  }

  long long blocked_inserts() const {
    return std::stoll(
        // Only the committer writes alerts here; its statement is longer than the 1 kB of
        // it pg_stat_activity keeps, so it is found by its wait, not its text.
        db_.scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                   " AND datname = current_database() AND pid <> pg_backend_pid()"));
  }

  test_support::TestDatabase db_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<intake::GroupCommit> group_;
  std::atomic<int> committed_{0};
  store::NewAlert first_;
};

}  // namespace

TEST_F(GroupCommitTest, ConcurrentAlertsShareOneTransactionAndEachGetsItsOwnAnswer) {
  std::vector<store::NewAlert> later;
  for (int i = 0; i < 9; ++i) later.push_back(alert_to("@c" + std::to_string(i)));
  auto results = one_batch(later);

  std::set<std::string> ids;
  for (auto& r : results) {
    const auto outcome = r.get();
    ASSERT_EQ(outcome.refused, Refused::no);
    EXPECT_EQ(outcome.accepted.deliveries, 1);
    ids.insert(outcome.accepted.id);
  }
  EXPECT_EQ(ids.size(), 10u);
  const auto counts = group_->counts();
  EXPECT_EQ(counts.batches, 2);  // the first alert, then the nine that queued behind it
  EXPECT_EQ(counts.alerts, 10);
  EXPECT_EQ(committed_.load(), 2);
  // One transaction: the nine share one commit time and one transaction id.
  EXPECT_EQ(db_.scalar("SELECT count(DISTINCT accepted_at) FROM alerts WHERE headline = 'Allerta'"
                       " AND id <> (SELECT alert_id FROM deliveries WHERE target = '@first')"),
            "1");
  EXPECT_EQ(db_.scalar("SELECT count(DISTINCT xid) FROM audit_events"), "2");
  // Each alert has its own audit event naming its own deliveries.
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events e JOIN deliveries d"
                       " ON d.alert_id = e.alert_id WHERE e.kind = 'alert.accepted'"
                       " AND (e.detail->>'deliveries')::int = 1"),
            "10");
}

TEST_F(GroupCommitTest, AnAlertRefusedForItsOwnReasonFailsAloneAndItsNeighboursCommit) {
  pqxx::connection c(db_.dsn());
  store::upsert_subscribers(c, "wa", {{"393330000001", "en", "2026-01-01T10:00:00Z"}}, "ops",
                            test_support::test_pseudonyms);
  auto taken = alert_to("@k");
  taken.idempotency = store::IdempotencyKey{"live-key", "sha"};
  ASSERT_EQ(group_->submit(taken).refused, Refused::no);

  std::vector<store::NewAlert> later;
  later.push_back(alert_to("@ok1"));
  later.push_back(alert_to("@none"));  // a subscription channel without subscribers only
  later.back().deliveries.clear();
  later.back().fanouts = {{"wa-empty", "whatsapp", {}, {{"it", "x"}}}};
  later.push_back(alert_to("@again"));  // the key another request holds
  later.back().idempotency = store::IdempotencyKey{"live-key", "sha"};
  later.push_back(alert_to("@sub"));  // fans out to the one English subscriber
  later.back().fanouts = {{"wa", "whatsapp", {{"en", {{"en", "in English"}}}}, {{"it", "x"}}}};
  auto results = one_batch(later);

  ASSERT_EQ(results[0].get().refused, Refused::no);
  EXPECT_EQ(results[1].get().refused, Refused::no);
  EXPECT_EQ(results[2].get().refused, Refused::nothing_to_deliver);
  EXPECT_EQ(results[3].get().refused, Refused::idempotency_taken);
  const auto sub = results[4].get();
  ASSERT_EQ(sub.refused, Refused::no);
  EXPECT_EQ(sub.accepted.deliveries, 2);  // @sub and the subscriber

  EXPECT_EQ(db_.count("alerts"), 4);  // @k, @first, @ok1, @sub
  EXPECT_EQ(db_.scalar("SELECT string_agg(target || ':' || rendered_text, ',' ORDER BY target)"
                       " FROM deliveries WHERE alert_id = '" +
                       sub.accepted.id + "'"),
            "393330000001:in English,@sub:Allerta");
  EXPECT_EQ(db_.scalar("SELECT detail->'subscribers_by_channel'->>'wa' FROM audit_events"
                       " WHERE alert_id = '" +
                       sub.accepted.id + "'"),
            "1");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events WHERE kind = 'alert.accepted'"), "4");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM idempotency_keys"), "1");
}

TEST_F(GroupCommitTest, AnSqlErrorInOneAlertFailsOnlyThatOne) {
  std::vector<store::NewAlert> later;
  later.push_back(alert_to("@a"));
  later.push_back(alert_to("@dup"));  // the same target twice breaks a unique constraint
  later.back().deliveries.push_back({"tg", "telegram", "@dup", {{"it", "again"}}});
  later.push_back(alert_to("@b"));
  auto results = one_batch(later);

  EXPECT_EQ(results[0].get().refused, Refused::no);
  EXPECT_EQ(results[1].get().refused, Refused::no);
  EXPECT_THROW(results[2].get(), pqxx::unique_violation);
  EXPECT_EQ(results[3].get().refused, Refused::no);
  EXPECT_EQ(db_.count("alerts"), 3);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM deliveries WHERE target = '@dup'"), "0");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events"), "3");
}

TEST_F(GroupCommitTest, OneIdempotencyKeySentThreeTimesAtOnceCreatesOneAlert) {
  std::vector<store::NewAlert> later(3, alert_to("@same"));
  for (auto& n : later) n.idempotency = store::IdempotencyKey{"press-twice", "sha"};
  auto results = one_batch(later);

  ASSERT_EQ(results[0].get().refused, Refused::no);
  int accepted = 0, taken = 0;
  for (std::size_t i = 1; i < results.size(); ++i) {
    const auto r = results[i].get();
    accepted += r.refused == Refused::no;
    taken += r.refused == Refused::idempotency_taken;
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(taken, 2);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM deliveries WHERE target = '@same'"), "1");
  EXPECT_EQ(db_.count("idempotency_keys"), 1);
}

TEST_F(GroupCommitTest, StopAnswersWhatIsQueuedAndRefusesWhatComesAfter) {
  std::future<store::InsertOutcome> queued;
  {
    AlertsLocked lock(db_.dsn());
    first_ = alert_to("@first");
    auto first = std::async(std::launch::async, [&] { return group_->submit(first_); });
    ASSERT_TRUE(wait_for([&] { return group_->queued() == 0 && blocked_inserts() == 1; }));
    auto second = alert_to("@second");
    queued = std::async(std::launch::async, [&] { return group_->submit(second); });
    ASSERT_TRUE(wait_for([&] { return group_->queued() == 1; }));
    auto stopping = std::async(std::launch::async, [&] { group_->stop(); });
    lock.release();
    stopping.get();
    EXPECT_EQ(first.get().refused, Refused::no);
    EXPECT_EQ(queued.get().refused, Refused::no);
  }
  EXPECT_THROW(group_->submit(alert_to("@late")), store::DatabaseUnavailable);
  EXPECT_EQ(db_.count("alerts"), 2);
}
