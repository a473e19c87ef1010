#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "daemon/delivery/lifecycle.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/delivery_actions_store.hpp"
#include "daemon/store/delivery_queue_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;
using namespace std::chrono;

namespace {
model::Alert alert_with(const std::string& severity, const std::string& urgency) {
  model::Alert a;
  a.headline = "h";
  a.event = "e";
  a.categories = {"Met"};
  a.severity = severity;
  a.urgency = urgency;
  a.certainty = "Likely";
  a.language = "it";
  return a;
}

std::vector<store::NewDelivery> targets(const std::string& channel, int n) {
  std::vector<store::NewDelivery> out;
  for (int i = 0; i < n; ++i)
    out.push_back({channel, "telegram", std::to_string(i), {{"it", "t"}}});
  return out;
}

delivery::AttemptRecord outcome(const delivery::ClaimedDelivery& d, std::string state,
                                std::optional<milliseconds> retry_in = std::nullopt) {
  delivery::AttemptRecord r;
  r.delivery_id = d.id;
  r.alert_id = d.alert_id;
  r.attempt = d.attempt;
  r.outcome = state == "sent" ? "delivered" : "transient";
  r.http_status = state == "sent" ? 200 : 500;
  r.latency_ms = 5;
  if (state == "sent") r.platform_id = "77";
  if (state != "sent") r.error = "HTTP 500";
  // The effects as the send thread plans them, from the answer the state stands for.
  const auto answer = state == "sent"     ? channels::Outcome::delivered("77")
                      : state == "failed" ? channels::Outcome::permanent("HTTP 500")
                                          : channels::Outcome::transient("HTTP 500");
  r.effects = delivery::plan(d, answer, {}, 0.5, milliseconds(0));
  if (retry_in) r.effects.due_in = retry_in;
  return r;
}
}  // namespace

namespace {

// Polls `done` until it holds, for at most a generous deadline.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST(DeliveryStore, ClaimsDueWorkOnceUnderALease) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Minor", "Future"), targets("tg", 3), {}, "ops");

  auto first = store::claim_due(c, "w1", 2, seconds(60), {});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].attempt, 1);
  EXPECT_FALSE(first[0].reclaimed);
  auto second = store::claim_due(c, "w2", 10, seconds(60), {});
  ASSERT_EQ(second.size(), 1u);  // only what w1 does not hold
  EXPECT_TRUE(store::claim_due(c, "w3", 10, seconds(60), {}).empty());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveries WHERE state = 'sending'"), "3");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.claimed'"), "3");
}

TEST(DeliveryStore, ConcurrentWorkersNeverClaimTheSameRow) {
  test_support::TestDatabase db;
  {
    pqxx::connection c(db.dsn());
    store::insert_alert(c, alert_with("Minor", "Future"), targets("tg", 200), {}, "ops");
  }
  std::vector<std::vector<long long>> got(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      pqxx::connection c(db.dsn());
      for (;;) {
        auto batch = store::claim_due(c, "w" + std::to_string(w), 7, seconds(60), {});
        if (batch.empty()) break;
        for (const auto& d : batch) got[w].push_back(d.id);
      }
    });
  }
  for (auto& t : workers) t.join();
  std::set<long long> all;
  std::size_t total = 0;
  for (const auto& ids : got) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, 200u);
  EXPECT_EQ(all.size(), 200u);
}

TEST(DeliveryStore, HigherPriorityIsClaimedFirst) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Minor", "Future"), targets("tg", 3), {}, "cron");
  auto urgent =
      store::insert_alert(c, alert_with("Extreme", "Immediate"), targets("tg", 2), {}, "ops");
  auto claimed = store::claim_due(c, "w", 2, seconds(60), {});
  ASSERT_EQ(claimed.size(), 2u);
  for (const auto& d : claimed) EXPECT_EQ(d.alert_id, urgent.id);
}

TEST(DeliveryStore, ExpiredLeaseIsReclaimedAndTheLateWorkerCannotOverwrite) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Severe", "Immediate"), targets("tg", 1), {}, "ops");
  auto crashed = store::claim_due(c, "dead-worker", 1, milliseconds(50), {});
  ASSERT_EQ(crashed.size(), 1u);
  EXPECT_TRUE(store::claim_due(c, "w2", 1, seconds(60), {}).empty());  // still leased

  std::vector<delivery::ClaimedDelivery> rescued;
  ASSERT_TRUE(eventually(
      [&] { return !(rescued = store::claim_due(c, "w2", 1, seconds(60), {})).empty(); }));
  ASSERT_EQ(rescued.size(), 1u);
  EXPECT_TRUE(rescued[0].reclaimed);
  EXPECT_EQ(rescued[0].attempt, 2);

  EXPECT_FALSE(store::record_attempts(c, "dead-worker", {outcome(crashed[0], "sent")},
                                      test_support::test_pseudonyms)[0]);
  EXPECT_EQ(db.scalar("SELECT state FROM deliveries"), "sending");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events WHERE detail->>'lease_lost' = 'true'"),
            "1");

  EXPECT_TRUE(store::record_attempts(c, "w2", {outcome(rescued[0], "sent")},
                                     test_support::test_pseudonyms)[0]);
  EXPECT_EQ(db.scalar("SELECT state || '/' || platform_id || '/' || attempts FROM deliveries"),
            "sent/77/2");
  EXPECT_EQ(db.scalar("SELECT finished_at IS NOT NULL AND lease_owner IS NULL FROM deliveries"),
            "t");
}

TEST(DeliveryStore, RetryIsDueAgainOnlyAfterItsWait) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Severe", "Immediate"), targets("tg", 1), {}, "ops");
  auto d = store::claim_due(c, "w", 1, seconds(60), {});
  ASSERT_EQ(d.size(), 1u);
  ASSERT_TRUE(store::record_attempts(c, "w", {outcome(d[0], "retrying", milliseconds(400))},
                                     test_support::test_pseudonyms)[0]);
  EXPECT_EQ(db.scalar("SELECT state || '/' || last_error FROM deliveries"), "retrying/HTTP 500");
  EXPECT_EQ(db.scalar("SELECT string_agg(kind, ',' ORDER BY id) FROM audit_events"),
            "alert.accepted,delivery.claimed,delivery.attempt,delivery.retry_scheduled");

  auto wait = store::time_until_next_due(c, {});
  ASSERT_TRUE(wait);
  EXPECT_LE(*wait, milliseconds(401));
  // Claimed again, but never before the time the retry was scheduled for (both read
  // from the database clock, so no assumption about how fast this machine is).
  std::vector<delivery::ClaimedDelivery> again;
  ASSERT_TRUE(
      eventually([&] { return !(again = store::claim_due(c, "w", 1, seconds(60), {})).empty(); }));
  EXPECT_EQ(again[0].attempt, 2);
  EXPECT_EQ(db.scalar("SELECT (SELECT at FROM audit_events WHERE kind = 'delivery.claimed'"
                      "         ORDER BY id DESC LIMIT 1) >="
                      "       (SELECT (detail->>'next_attempt_at')::timestamptz FROM audit_events"
                      "         WHERE kind = 'delivery.retry_scheduled')"),
            "t");
}

TEST(DeliveryStore, PausedChannelsAreSkipped) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Severe", "Immediate"), targets("paused", 2), {}, "ops");
  store::insert_alert(c, alert_with("Minor", "Future"), targets("other", 1), {}, "ops");
  auto claimed = store::claim_due(c, "w", 10, seconds(60), {{"paused"}});
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].channel, "other");
  // The paused channel's rows are due now, but must not wake the dispatcher: the next
  // thing to happen is the lease on "other" expiring, a minute away.
  auto wait = store::time_until_next_due(c, {{"paused"}});
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, seconds(50));
  EXPECT_EQ(store::time_until_next_due(c, {}), milliseconds(0));
}

TEST(DeliveryStore, ReleaseHandsLeasesBack) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Severe", "Immediate"), targets("tg", 2), {}, "ops");
  ASSERT_EQ(store::claim_due(c, "w", 10, seconds(60), {}).size(), 2u);
  EXPECT_EQ(store::release_leases(c, "someone-else"), 0);
  EXPECT_EQ(store::release_leases(c, "w"), 2);
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM deliveries WHERE state = 'retrying' AND lease_owner IS NULL"),
      "2");
  EXPECT_EQ(store::claim_due(c, "w2", 10, seconds(60), {}).size(), 2u);
}

TEST(DeliveryStore, WhatExpiredIsNeverClaimedAndIsMarkedExpiredWithTheReason) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  auto expired = alert_with("Extreme", "Immediate");
  expired.expires = "2020-01-01T10:00:00+01:00";
  store::insert_alert(c, expired, targets("tg", 2), {}, "ops");
  auto fresh = alert_with("Minor", "Future");
  fresh.expires = "2099-01-01T10:00:00+01:00";
  store::insert_alert(c, fresh, targets("tg", 1), {}, "ops");

  const auto claimed = store::claim_due(c, "w", 10, seconds(60), {});
  ASSERT_EQ(claimed.size(), 1u);  // only the one still valid, despite its lower priority
  EXPECT_EQ(store::expire_due(c), 2);
  EXPECT_EQ(db.scalar("SELECT string_agg(DISTINCT state, ',') FROM deliveries"
                      " WHERE alert_id = (SELECT id FROM alerts WHERE expires_at < now())"),
            "expired");
  EXPECT_EQ(db.scalar("SELECT last_error FROM deliveries WHERE state = 'expired' LIMIT 1"),
            "not sent: the alert expired at 2020-01-01 09:00:00 UTC");
  EXPECT_EQ(db.count("audit_events WHERE kind = 'delivery.expired'"), 2);
  EXPECT_EQ(store::expire_due(c), 0);
  // Nothing is due: only the lease of the claimed delivery is left to wait for.
  EXPECT_GT(store::time_until_next_due(c, {{"tg"}, true}).value(), seconds(50));
}

TEST(DeliveryStore, AFailedDeliveryIsRetriedOnRequestWithItsWithheldParts) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  auto a = alert_with("Severe", "Immediate");
  const auto accepted = store::insert_alert(
      c, a, {{"x", "x", "@comune", {{"it", "p1"}, {"it", "p2"}, {"it", "p3"}}}}, {}, "ops");
  auto first = store::claim_due(c, "w", 10, seconds(60), {});
  ASSERT_EQ(first.size(), 1u);  // part 2 waits for part 1
  auto failed = outcome(first[0], "failed");
  failed.channel = "x";
  failed.target = "@comune";
  failed.parts = 3;
  ASSERT_TRUE(store::record_attempts(c, "w", {failed}, test_support::test_pseudonyms)[0]);
  EXPECT_EQ(db.scalar("SELECT string_agg(state || ':' || attempts, ',' ORDER BY part)"
                      " FROM deliveries"),
            "failed:1,failed:0,failed:0");
  store::DeliveryFilter failed_of_alert;
  failed_of_alert.states = {model::DeliveryState::failed};
  failed_of_alert.alert_id = accepted.id;
  EXPECT_EQ(store::list_deliveries(c, failed_of_alert, 0, 10).size(), 3u);

  const auto ids = store::retry_failed(c, "alice", first[0].id, std::nullopt);
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(db.scalar("SELECT string_agg(state || ':' || (next_attempt_at = 'infinity'), ','"
                      " ORDER BY part) FROM deliveries"),
            "pending:false,pending:true,pending:true");
  EXPECT_EQ(db.scalar("SELECT actor || ':' || (detail->>'previous_error') FROM audit_events"
                      " WHERE kind = 'delivery.retry_requested' ORDER BY id LIMIT 1"),
            "alice:HTTP 500");
  EXPECT_TRUE(store::retry_failed(c, "alice", first[0].id, std::nullopt).empty());  // not failed
}

TEST(DeliveryStore, PacedClaimsShareOneRateAndGiveEachDeliveryItsSlot) {
  test_support::TestDatabase db;
  pqxx::connection a(db.dsn());
  pqxx::connection b(db.dsn());
  store::insert_alert(a, alert_with("Severe", "Immediate"), targets("wa", 100), {}, "ops");
  // 10/s with a burst of 2, slots granted one second ahead: the burst (2) plus the
  // slots 100 ms apart up to a second from now (10).
  const delivery::PacedClaimRate rate{{10, 2}, milliseconds(1000)};
  const auto first = store::claim_paced(a, "daemon-a", 100, seconds(60), "wa", rate);
  ASSERT_EQ(first.claimed.size(), 12u);
  EXPECT_TRUE(first.limited_by_rate);
  for (std::size_t i = 1; i < first.claimed.size(); ++i) {
    const auto gap =
        duration_cast<milliseconds>(first.claimed[i].release_at - first.claimed[i - 1].release_at);
    EXPECT_EQ(gap, milliseconds(100)) << i;
  }
  EXPECT_GT(first.next_claim_in, milliseconds(0));
  // Another daemon on the same channel finds the slots taken: they are shared.
  // (Only the slots that came within the lookahead since then, each after the last.)
  const auto second = store::claim_paced(b, "daemon-b", 100, seconds(60), "wa", rate);
  EXPECT_TRUE(second.limited_by_rate);
  if (!second.claimed.empty()) {
    EXPECT_GE(second.claimed.front().release_at - first.claimed.back().release_at,
              milliseconds(90));  // 100 ms apart, less the two claims' clock readings
  }
  // Other channels have their own rate.
  store::insert_alert(a, alert_with("Severe", "Immediate"), targets("tg", 3), {}, "ops");
  EXPECT_EQ(store::claim_paced(b, "daemon-b", 100, seconds(60), "tg", rate).claimed.size(), 3u);
}

TEST(DeliveryStore, ARowWhoseWorkersKeepDyingIsFailedNotClaimedForever) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  store::insert_alert(c, alert_with("Severe", "Immediate"), targets("tg", 1), {}, "ops");
  ASSERT_EQ(store::claim_due(c, "worker-0", 1, milliseconds(1), {}).size(), 1u);
  // Each claim's worker dies holding it; its lease expires and the next one takes it.
  for (int i = 1; i <= store::max_lease_expiries; ++i) {
    std::vector<delivery::ClaimedDelivery> again;
    ASSERT_TRUE(eventually([&] {
      return !(again = store::claim_due(c, "worker-" + std::to_string(i), 1, milliseconds(1), {}))
                  .empty();
    })) << i;
    EXPECT_TRUE(again[0].reclaimed);
  }
  // One expiry too many: not claimed again, failed by the sweep with the reason.
  ASSERT_TRUE(eventually([&] { return store::fail_abandoned(c) == 1; }));
  EXPECT_TRUE(store::claim_due(c, "worker-x", 1, seconds(60), {}).empty());
  EXPECT_EQ(db.scalar("SELECT state FROM deliveries"), "failed");
  EXPECT_NE(db.scalar("SELECT last_error FROM deliveries").find("expired 6 times"),
            std::string::npos)
      << db.scalar("SELECT last_error FROM deliveries");
  // The audit trail says what is unknown about the attempts that were cut short.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.claimed'"
                      " AND detail->>'previous_attempt_outcome' LIKE 'unknown%'"),
            std::to_string(store::max_lease_expiries));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.failed'"), "1");
}

TEST(DeliveryStore, NothingWaitingMeansNoWakeUpTime) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  // Regression: greatest(0, NULL) is 0 in PostgreSQL, so an empty queue read as "due
  // now" and an idle dispatcher claimed nothing in a loop (160 transactions/s).
  EXPECT_EQ(store::time_until_next_due(c, {}), std::nullopt);
  EXPECT_EQ(store::time_until_next_due(c, {{"tg"}, true}), std::nullopt);
  store::insert_alert(c, alert_with("Severe", "Immediate"), targets("tg", 1), {}, "ops");
  EXPECT_EQ(store::time_until_next_due(c, {{"tg"}, true}), milliseconds(0));
  EXPECT_EQ(store::time_until_next_due(c, {{"other"}, true}), std::nullopt);
}

// A cancel that commits while an attempt's outcome is being recorded: what the record left
// to retry is ended by the sweep, and an operator cannot retry a cancelled alert.
TEST(DeliveryStore, NothingOfACancelledAlertIsSentAgainEvenInTheRaceWithItsRecord) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  const auto accepted =
      store::insert_alert(c, alert_with("Severe", "Immediate"), targets("tg", 2), {}, "ops");
  const auto claimed = store::claim_due(c, "w", 10, seconds(60), {});
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(store::cancel_alert(c, "ops", accepted.id), 0);  // both in flight
  // The race: one record was written as if the cancel had not happened yet.
  pqxx::nontransaction(c).exec_params0(
      "UPDATE deliveries SET state = 'retrying', lease_owner = NULL, lease_expires_at = NULL"
      " WHERE id = $1",
      claimed[0].id);
  // The other failed for good: an operator's retry must not bring it back.
  ASSERT_TRUE(store::record_attempts(c, "w", {outcome(claimed[1], "failed")},
                                     test_support::test_pseudonyms)[0]);
  EXPECT_EQ(store::cancel_late(c), 1);
  EXPECT_EQ(db.scalar("SELECT state || ': ' || last_error FROM deliveries WHERE id = " +
                      std::to_string(claimed[0].id)),
            "cancelled: not sent again: the alert was cancelled while this attempt was in flight");
  EXPECT_TRUE(store::retry_failed(c, "ops", std::nullopt, accepted.id).empty());
  EXPECT_EQ(db.scalar("SELECT state FROM deliveries WHERE id = " + std::to_string(claimed[1].id)),
            "failed");
  EXPECT_EQ(store::cancel_late(c), 0);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.cancelled'"), "1");
}
