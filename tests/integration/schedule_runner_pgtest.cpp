// The schedule runner against a real database, with its clock in the test's hands: each
// occurrence sends one alert, a daemon that was down follows the misfire policy, two
// daemons ticking at once send each occurrence once, and a claim left by a dead daemon is
// taken over without a second alert.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "channels/registry.hpp"
#include "daemon/config/section.hpp"
#include "daemon/intake/alert_intake.hpp"
#include "daemon/schedule/schedule_runner.hpp"
#include "daemon/store/api_key_store.hpp"
#include "daemon/store/schedule_store.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/utc.hpp"

using namespace araldo;
using schedule::Instant;

namespace {

using test_support::utc;
long long epoch(Instant t) {
  return t.time_since_epoch().count();
}

const char* kAlert =
    R"({"headline":"Prova sirene","event":"Test","severity":"Minor","urgency":"Future",
        "certainty":"Observed","category":"Safety","description":"Prova mensile delle sirene.",
        "channels":["tg"],"expires_after":"PT1H"})";

// One daemon: its pool, its intake, its runner, reading the shared clock.
struct Daemon {
  Daemon(const std::string& dsn, const channels::ChannelSet& channels,
         const render::Renderer& renderer, const Instant& clock)
      : db(config::Secret(dsn), 2),
        intake(db, channels, renderer, model::AlertDefaults{"it", "pc@comune.example"}),
        runner(db, intake, {}, [&clock] { return clock; }) {}
  store::Database db;
  intake::AlertIntake intake;
  schedule::ScheduleRunner runner;
};

class ScheduleRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    channels::ChannelRegistry registry;
    channels::register_all_channels(registry);
    config::Section s(
        YAML::Load("{type: telegram, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi',"
                   " chats: ['@chan_a']}"),
        "channels.tg", config::process_env);
    channels_.add(registry.create("tg", s));
    daemon_ = std::make_unique<Daemon>(db_.dsn(), channels_, renderer_, now_);
  }

  // A schedule as POST /v1/schedules stores it, its next occurrence at or after `from`.
  std::string add(const std::string& rrule, const std::string& start, const std::string& zone,
                  const std::string& misfire = "skip", long long within = 0,
                  const std::string& alert = kAlert) {
    auto r = std::get<schedule::Recurrence>(schedule::Recurrence::parse(rrule, start, zone));
    const auto first = r.next_after(utc(1999, 1, 1, 0, 0));
    store::NewSchedule s{"test",
                         "cron-siren",
                         boost::json::parse(alert).as_object(),
                         {{"rrule", rrule}, {"start", start}, {"time_zone", zone}},
                         r.rrule(),
                         r.start(),
                         r.time_zone(),
                         misfire,
                         within,
                         true,
                         epoch(*first)};
    return store::create_schedule(daemon_->db, s, "cron-siren");
  }

  std::string occurrences(const std::string& id) {
    return db_.scalar(
        "SELECT string_agg(to_char(occurrence AT TIME ZONE 'UTC', 'MM-DD HH24:MI') || ' ' || state,"
        " ', ' ORDER BY occurrence) FROM schedule_occurrences WHERE schedule_id = '" +
        id + "'");
  }
  std::string next_at(const std::string& id) {
    return db_.scalar(
        "SELECT to_char(next_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
        " FROM schedules WHERE id = '" +
        id + "'");
  }

  test_support::TestDatabase db_;
  channels::ChannelSet channels_;
  render::Renderer renderer_;
  Instant now_;
  std::unique_ptr<Daemon> daemon_;
};

// Noon in Rome, daily, across the last Sunday of March 2027: 11:00 UTC, then 10:00 UTC.
TEST_F(ScheduleRunnerTest, EachOccurrenceSendsOneAlertAcrossTheDaylightSavingChange) {
  const auto id = add("FREQ=DAILY", "2027-03-27T12:00", "Europe/Rome");
  EXPECT_EQ(next_at(id), "2027-03-27 11:00");

  now_ = utc(2027, 3, 27, 10, 59, 59);
  EXPECT_EQ(daemon_->runner.tick(), 0);  // not yet
  now_ = utc(2027, 3, 27, 11, 0, 5);
  EXPECT_EQ(daemon_->runner.tick(), 1);
  EXPECT_EQ(daemon_->runner.tick(), 0);  // the same occurrence, again: nothing
  EXPECT_EQ(next_at(id), "2027-03-28 10:00");
  now_ = utc(2027, 3, 28, 10, 0, 30);
  EXPECT_EQ(daemon_->runner.tick(), 1);

  EXPECT_EQ(occurrences(id), "03-27 11:00 sent, 03-28 10:00 sent");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM alerts WHERE submitted_by = 'cron-siren'"), "2");
  EXPECT_EQ(db_.scalar("SELECT count(DISTINCT alert_id) FROM schedule_occurrences"), "2");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events WHERE kind = 'schedule.fired'"), "2");
}

TEST_F(ScheduleRunnerTest, AfterDowntimeSkipSendsNothingAndRecordsEachMissedOccurrence) {
  const auto id = add("FREQ=DAILY", "2027-01-10T08:00", "UTC");
  now_ = utc(2027, 1, 12, 9, 0);  // down since before the 10th
  EXPECT_EQ(daemon_->runner.tick(), 0);
  EXPECT_EQ(occurrences(id), "01-10 08:00 missed, 01-11 08:00 missed, 01-12 08:00 missed");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events WHERE kind = 'schedule.missed'"), "3");
  EXPECT_EQ(db_.count("alerts"), 0);
  EXPECT_EQ(next_at(id), "2027-01-13 08:00");
}

TEST_F(ScheduleRunnerTest, AfterDowntimeSendLateSendsTheLatestOccurrenceOnce) {
  const auto id = add("FREQ=DAILY", "2027-01-10T08:00", "UTC", "send_late", 3 * 3600);
  now_ = utc(2027, 1, 12, 10, 0);  // today's is 2 h late, within 3 h
  EXPECT_EQ(daemon_->runner.tick(), 1);
  EXPECT_EQ(occurrences(id), "01-10 08:00 missed, 01-11 08:00 missed, 01-12 08:00 sent");
  EXPECT_EQ(db_.scalar("SELECT detail->>'late_by_seconds' FROM audit_events"
                       " WHERE kind = 'schedule.fired'"),
            "7200");
  EXPECT_EQ(db_.count("alerts"), 1);
}

// Two daemons on one database, ticking at the same moments through twenty minutes of a
// minutely schedule: twenty alerts, one per occurrence.
TEST_F(ScheduleRunnerTest, TwoDaemonsSendEachOccurrenceOnce) {
  const auto id = add("FREQ=MINUTELY", "2027-06-01T09:00", "Europe/Rome");
  Daemon other(db_.dsn(), channels_, renderer_, now_);
  int sent = 0;
  for (auto t = utc(2027, 6, 1, 7, 0, 1); t < utc(2027, 6, 1, 7, 20);
       t += std::chrono::seconds(20)) {
    now_ = t;
    int a = 0, b = 0;
    std::thread first([&] { a = daemon_->runner.tick(); });
    std::thread second([&] { b = other.runner.tick(); });
    first.join();
    second.join();
    sent += a + b;
  }
  EXPECT_EQ(sent, 20);
  EXPECT_EQ(db_.count("alerts"), 20);
  EXPECT_EQ(db_.scalar("SELECT count(DISTINCT alert_id) FROM schedule_occurrences"
                       " WHERE schedule_id = '" +
                       id + "' AND state = 'sent'"),
            "20");
}

// A daemon claimed the occurrence and wrote its alert, then died before recording it.
// A minute later another takes the claim over: the Idempotency-Key made of the schedule
// and occurrence finds the alert already written, and nothing is sent twice.
TEST_F(ScheduleRunnerTest, AClaimLeftByADeadDaemonIsTakenOverWithoutASecondAlert) {
  const auto id = add("FREQ=DAILY", "2027-01-10T08:00", "UTC");
  const auto occurrence = epoch(utc(2027, 1, 10, 8, 0));
  ASSERT_EQ(store::claim_occurrence(daemon_->db, id, occurrence), store::Claim::taken);
  // The body as the runner reads it back from the schedule.
  const auto written =
      daemon_->intake.accept(db_.scalar("SELECT alert::text FROM schedules"), "cron-siren",
                             "schedule:" + id + ":" + std::to_string(occurrence));
  ASSERT_TRUE(std::holds_alternative<intake::Accepted>(written));

  now_ = utc(2027, 1, 10, 8, 0, 20);
  EXPECT_EQ(daemon_->runner.tick(), 0);  // claimed a moment ago: its daemon may be alive
  EXPECT_EQ(occurrences(id), "01-10 08:00 claimed");
  EXPECT_EQ(next_at(id), "2027-01-10 08:00");  // kept, to be looked at again

  db_.scalar(
      "WITH aged AS (UPDATE schedule_occurrences"
      " SET claimed_at = now() - interval '2 minutes' RETURNING 1) SELECT count(*) FROM aged");
  EXPECT_EQ(daemon_->runner.tick(), 1);
  EXPECT_EQ(occurrences(id), "01-10 08:00 sent");
  EXPECT_EQ(db_.count("alerts"), 1);
  EXPECT_EQ(db_.scalar("SELECT alert_id FROM schedule_occurrences"),
            std::get<intake::Accepted>(written).alert.id);
}

// The channel named in the schedule's alert was removed from the configuration since: the
// occurrence is refused, recorded with the reason and audited; the schedule goes on.
TEST_F(ScheduleRunnerTest, AnAlertRefusedAtItsOccurrenceIsRecordedWithTheReason) {
  const auto id = add("FREQ=DAILY", "2027-01-10T08:00", "UTC", "skip", 0,
                      R"({"headline":"x","event":"Test","severity":"Minor","urgency":"Future",
                          "certainty":"Observed","category":"Safety","channels":["gone"]})");
  now_ = utc(2027, 1, 10, 8, 0, 10);
  EXPECT_EQ(daemon_->runner.tick(), 0);
  EXPECT_EQ(occurrences(id), "01-10 08:00 refused");
  EXPECT_NE(db_.scalar("SELECT detail FROM schedule_occurrences").find("unknown channel 'gone'"),
            std::string::npos);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_events WHERE kind = 'schedule.refused'"), "1");
  EXPECT_EQ(next_at(id), "2027-01-11 08:00");
}

}  // namespace

// A schedule sends in its owner's name. Once that key is revoked, or has expired, nobody
// holds that authority: the schedule stops, disabled with the reason, audited once, and
// listed as such; a schedule of a live key goes on.
TEST_F(ScheduleRunnerTest, ARevokedOrExpiredKeysSchedulesStopAndSayWhy) {
  store::create_api_key(daemon_->db, {"cron-siren", "scheduler", std::nullopt}, "admin");
  const auto id = add("FREQ=DAILY", "2027-01-10T08:00", "UTC");
  now_ = utc(2027, 1, 10, 8, 0, 5);
  EXPECT_EQ(daemon_->runner.tick(), 1);  // a live key: it fires

  ASSERT_TRUE(store::revoke_api_key(daemon_->db, "cron-siren", "admin"));
  now_ = utc(2027, 1, 11, 8, 0, 5);
  EXPECT_EQ(daemon_->runner.tick(), 0);
  EXPECT_EQ(daemon_->runner.tick(), 0);
  EXPECT_EQ(occurrences(id), "01-10 08:00 sent");  // nothing sent or claimed in its name
  EXPECT_EQ(db_.count("alerts"), 1);
  const auto listed = store::find_schedule(daemon_->db, id);
  ASSERT_TRUE(listed);
  EXPECT_FALSE(listed->enabled);
  ASSERT_TRUE(listed->disabled_reason);
  EXPECT_EQ(listed->disabled_reason->find("its key cron-siren was revoked at "), 0u)
      << *listed->disabled_reason;
  EXPECT_EQ(db_.scalar("SELECT string_agg(detail->>'schedule_id' || ' ' || (detail->>'owner'),"
                       " ',') FROM audit_events WHERE kind = 'schedule.disabled'"),
            id + " cron-siren");  // once, however many ticks

  // An expired key: the same, with its own reason; another key's schedule is untouched.
  store::create_api_key(daemon_->db, {"bulletins", "scheduler", std::nullopt}, "admin");
  store::create_api_key(daemon_->db, {"sirens", "scheduler", std::nullopt}, "admin");
  auto schedule_of = [&](const std::string& owner) {
    auto r = std::get<schedule::Recurrence>(
        schedule::Recurrence::parse("FREQ=DAILY", "2027-01-12T08:00", "UTC"));
    store::NewSchedule s{
        owner + "-daily",
        owner,
        boost::json::parse(kAlert).as_object(),
        {{"rrule", "FREQ=DAILY"}, {"start", "2027-01-12T08:00"}, {"time_zone", "UTC"}},
        r.rrule(),
        r.start(),
        r.time_zone(),
        "skip",
        0,
        true,
        epoch(*r.next_after(utc(1999, 1, 1, 0, 0)))};
    return store::create_schedule(daemon_->db, s, owner);
  };
  const auto expiring = schedule_of("bulletins");
  const auto live = schedule_of("sirens");
  db_.exec(
      "UPDATE api_keys SET expires_at = now() - interval '1 second'"
      " WHERE name = 'bulletins'");
  now_ = utc(2027, 1, 12, 8, 0, 5);
  EXPECT_EQ(daemon_->runner.tick(), 1);  // the live key's only
  EXPECT_EQ(occurrences(expiring), "");
  EXPECT_EQ(occurrences(live), "01-12 08:00 sent");
  const auto expired = store::find_schedule(daemon_->db, expiring);
  ASSERT_TRUE(expired && expired->disabled_reason);
  EXPECT_EQ(expired->disabled_reason->find("its key bulletins expired at "), 0u);
  EXPECT_TRUE(store::find_schedule(daemon_->db, live)->enabled);

  // An admin who enables it again clears the reason; with the key still dead, the next
  // tick disables it again rather than send.
  ASSERT_TRUE(store::set_schedule_enabled(daemon_->db, expiring, true, epoch(now_), "admin"));
  EXPECT_FALSE(store::find_schedule(daemon_->db, expiring)->disabled_reason);
  EXPECT_EQ(daemon_->runner.tick(), 0);
  EXPECT_FALSE(store::find_schedule(daemon_->db, expiring)->enabled);
}
