// Group commit at intake on a real PostgreSQL: concurrent alerts share one transaction,
// and one that is refused fails alone, leaving nothing behind, without failing the others.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "daemon/store/intake_batcher.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

store::IntakeRequest request(const std::string& headline, const std::string& channel,
                             std::optional<std::string> idempotency_key = std::nullopt) {
  store::IntakeRequest r;
  r.alert.headline = headline;
  r.alert.event = "Flood";
  r.alert.categories = {"Met"};
  r.alert.severity = "Severe";
  r.alert.urgency = "Immediate";
  r.alert.certainty = "Observed";
  r.alert.language = "it";
  r.actor = "ops";
  if (channel == "wa") {
    // A subscription channel with no subscribers: nothing to deliver, so refused.
    r.fanouts.push_back({"wa", "whatsapp", {}, {{"it", "testo"}}});
  } else {
    r.deliveries.push_back({channel, "telegram", "@chat", {{"it", headline}}});
  }
  if (idempotency_key) r.idempotency = store::IdempotencyKey{*idempotency_key, "same-body"};
  return r;
}

bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST(IntakeBatcher, ConcurrentAlertsShareOneCommitAndARefusedOneFailsAlone) {
  test_support::TestDatabase db;
  store::Database pool(config::Secret(db.dsn()), 2);
  store::IntakeBatcher batcher(pool, /*committers=*/1);

  // Hold the first batch at the alerts table, so the next requests queue up behind it.
  pqxx::connection blocker(db.dsn());
  pqxx::work lock(blocker);
  lock.exec0("LOCK TABLE alerts IN EXCLUSIVE MODE");
  auto first = std::async(std::launch::async, [&] { return batcher.submit(request("0", "tg")); });
  ASSERT_TRUE(eventually([&] {  // taken by the committer, and waiting for the lock
    return db.scalar(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
               " AND wait_event_type = 'Lock'") == "1";
  }));

  std::vector<std::future<store::AcceptedAlert>> others;
  for (int i = 1; i <= 8; ++i) {
    others.push_back(std::async(
        std::launch::async, [&, i] { return batcher.submit(request(std::to_string(i), "tg")); }));
  }
  auto refused = std::async(std::launch::async, [&] { return batcher.submit(request("x", "wa")); });
  auto keyed = std::async(std::launch::async,
                          [&] { return batcher.submit(request("k1", "tg", "storm-1")); });
  auto keyed_again = std::async(std::launch::async,
                                [&] { return batcher.submit(request("k2", "tg", "storm-1")); });
  ASSERT_TRUE(eventually([&] { return batcher.queued() == 11; }));
  lock.commit();  // the first batch goes; the eleven waiting form the next one

  EXPECT_EQ(first.get().deliveries, 1);
  std::set<std::string> ids;
  for (auto& f : others) ids.insert(f.get().id);
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_THROW(refused.get(), store::NothingToDeliver);
  // The same Idempotency-Key twice in one batch: the first takes it, the second is told.
  int taken = 0, raced = 0;
  for (auto* f : {&keyed, &keyed_again}) {
    try {
      f->get();
      ++taken;
    } catch (const store::IdempotencyRace&) {
      ++raced;
    }
  }
  EXPECT_EQ(taken, 1);
  EXPECT_EQ(raced, 1);

  EXPECT_EQ(db.count("alerts"), 1 + 8 + 1);
  EXPECT_EQ(db.count("deliveries"), 1 + 8 + 1);
  EXPECT_EQ(db.count("audit_events WHERE kind = 'alert.accepted'"), 10);
  // One top-level transaction id for the nine after the first (each alert ran under its
  // own savepoint, so its rows' xmin differ; the audit event records the top-level id).
  EXPECT_EQ(
      db.scalar("SELECT count(DISTINCT e.xid::text) FROM audit_events e JOIN alerts a"
                " ON a.id = e.alert_id WHERE e.kind = 'alert.accepted' AND a.headline <> '0'"),
      "1");
}

TEST(IntakeBatcher, ADatabaseThatCannotBeReachedFailsEveryRequestOfTheBatch) {
  store::Database down(config::Secret("host=127.0.0.1 port=1 user=nobody connect_timeout=2"), 1);
  store::IntakeBatcher batcher(down, 1);
  EXPECT_THROW(batcher.submit(request("a", "tg")), store::DatabaseUnavailable);
}
