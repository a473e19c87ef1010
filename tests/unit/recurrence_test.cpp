// Schedules' recurrence: RRULEs through libical in a time zone, cron translated into
// RRULEs, the misfire policy and the schedule document's checks.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/schedule/cron_expression.hpp"
#include "daemon/schedule/misfire.hpp"
#include "daemon/schedule/recurrence.hpp"
#include "daemon/schedule/schedule_spec.hpp"
#include "tests/support/utc.hpp"

namespace araldo::schedule {
namespace {

// Expected instants are written out by hand from the zone's rules, not computed.
using test_support::utc;

Recurrence rule(const std::string& rrule, const std::string& start,
                const std::string& zone = "Europe/Rome") {
  auto r = Recurrence::parse(rrule, start, zone);
  if (auto* e = std::get_if<RecurrenceError>(&r)) {
    ADD_FAILURE() << e->field << ": " << e->message;
    std::abort();
  }
  return std::get<Recurrence>(r);
}

Recurrence cron(const std::string& expression, const std::string& zone = "Europe/Rome") {
  auto translated = cron_to_rrule(expression);
  if (auto* e = std::get_if<CronRefusal>(&translated)) {
    ADD_FAILURE() << e->message;
    std::abort();
  }
  return rule(std::get<std::string>(translated), "2000-01-01T00:00:00", zone);
}

// Noon in Rome is 11:00 UTC in winter and 10:00 UTC in summer; 28 March 2027 is the last
// Sunday of March, when clocks go from 02:00 to 03:00.
TEST(Recurrence, NoonInRomeKeepsItsWallClockAcrossTheMarchChange) {
  const auto daily = rule("FREQ=DAILY", "2027-03-26T12:00");
  EXPECT_EQ(daily.between(utc(2027, 3, 26, 0, 0), utc(2027, 3, 30, 0, 0), 10),
            (std::vector<Instant>{utc(2027, 3, 26, 11, 0), utc(2027, 3, 27, 11, 0),
                                  utc(2027, 3, 28, 10, 0), utc(2027, 3, 29, 10, 0)}));
}

// 02:30 does not exist on 28 March 2027 in Rome: RFC 5545 reads it with the offset before
// the gap (+01:00), so 01:30 UTC (03:30 on the clock). The next day is 02:30 CEST again:
// libical's own zone arithmetic carried 03:30 into the following days.
TEST(Recurrence, ATimeInTheSpringGapIsReadWithTheOffsetBeforeIt) {
  const auto daily = rule("FREQ=DAILY", "2027-03-27T02:30");
  EXPECT_EQ(daily.between(utc(2027, 3, 27, 0, 0), utc(2027, 3, 30, 0, 0), 10),
            (std::vector<Instant>{utc(2027, 3, 27, 1, 30), utc(2027, 3, 28, 1, 30),
                                  utc(2027, 3, 29, 0, 30)}));
}

// 31 October 2027, last Sunday of October: 03:00 CEST goes back to 02:00 CET, so 02:30
// happens twice. It fires once, at the first (00:30 UTC), and noon moves to 11:00 UTC.
TEST(Recurrence, TheRepeatedAutumnHourFiresOnceAtItsFirstOccurrence) {
  const auto night = rule("FREQ=DAILY", "2027-10-30T02:30");
  EXPECT_EQ(night.between(utc(2027, 10, 30, 0, 0), utc(2027, 11, 2, 0, 0), 10),
            (std::vector<Instant>{utc(2027, 10, 30, 0, 30), utc(2027, 10, 31, 0, 30),
                                  utc(2027, 11, 1, 1, 30)}));
  const auto noon = rule("FREQ=WEEKLY;BYDAY=SU", "2027-10-24T12:00");
  EXPECT_EQ(noon.between(utc(2027, 10, 20, 0, 0), utc(2027, 11, 1, 0, 0), 10),
            (std::vector<Instant>{utc(2027, 10, 24, 10, 0), utc(2027, 10, 31, 11, 0)}));
}

// The monthly siren test: first Monday at noon. January 2027: the 4th; February: the 1st;
// March: the 1st; April: the 5th (after the change, so 10:00 UTC).
TEST(Recurrence, FirstMondayOfTheMonth) {
  const auto siren = rule("FREQ=MONTHLY;BYDAY=1MO", "2027-01-04T12:00");
  EXPECT_EQ(siren.between(utc(2027, 1, 1, 0, 0), utc(2027, 5, 1, 0, 0), 10),
            (std::vector<Instant>{utc(2027, 1, 4, 11, 0), utc(2027, 2, 1, 11, 0),
                                  utc(2027, 3, 1, 11, 0), utc(2027, 4, 5, 10, 0)}));
  EXPECT_EQ(siren.local_time(utc(2027, 4, 5, 10, 0)), "2027-04-05T12:00:00");
}

TEST(Recurrence, JumpsToThePresentAndEndsWithCount) {
  const auto daily = rule("FREQ=DAILY", "2001-01-01T08:00", "UTC");
  EXPECT_EQ(daily.next_after(utc(2030, 6, 1, 9, 0)), utc(2030, 6, 2, 8, 0));
  const auto twice = rule("FREQ=DAILY;COUNT=2", "2027-01-01T08:00", "UTC");
  EXPECT_EQ(twice.next_after(utc(2027, 1, 1, 8, 0)), utc(2027, 1, 2, 8, 0));
  EXPECT_EQ(twice.next_after(utc(2027, 1, 2, 8, 0)), std::nullopt);
  EXPECT_EQ(rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2027-01-01T08:00", "UTC")
                .next_after(utc(2027, 1, 1, 0, 0)),
            std::nullopt);
}

TEST(Recurrence, RefusesWhatItCannotReadNamingTheField) {
  const auto field = [](const std::string& r, const std::string& s, const std::string& z) {
    auto parsed = Recurrence::parse(r, s, z);
    auto* e = std::get_if<RecurrenceError>(&parsed);
    return e ? e->field : std::string("accepted");
  };
  EXPECT_EQ(field("FREQ=DAILY", "2027-01-01T08:00", "Europe/Roma"), "time_zone");
  EXPECT_EQ(field("FREQ=DAILY", "2027-01-01T08:00", "europe/rome"), "time_zone");
  EXPECT_EQ(field("FREQ=DAILY", "2027-01-01T08:00", "../../etc/passwd"), "time_zone");
  EXPECT_EQ(field("FREQ=DAILY", "2027-02-30T08:00", "UTC"), "start");
  EXPECT_EQ(field("FREQ=DAILY", "2027-01-01T08:00Z", "UTC"), "start");
  EXPECT_EQ(field("FREQ=DAILY", "2027-01-01T24:00", "UTC"), "start");
  EXPECT_EQ(field("FREQ=FORTNIGHTLY", "2027-01-01T08:00", "UTC"), "rrule");
  EXPECT_EQ(field("FREQ=DAILY;BYHOUR=25", "2027-01-01T08:00", "UTC"), "rrule");
  EXPECT_EQ(field("FREQ=SECONDLY", "2027-01-01T08:00", "UTC"), "rrule");
  EXPECT_EQ(field("FREQ=MINUTELY;BYSECOND=5", "2027-01-01T08:00", "UTC"), "rrule");
  EXPECT_EQ(field("FREQ=DAILY; BYHOUR=1", "2027-01-01T08:00", "UTC"), "rrule");
  // libical would walk every hour up to the year 2582 looking for 30 February.
  EXPECT_EQ(field("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", "2027-01-01T08:00", "UTC"), "rrule");
  EXPECT_EQ(field("FREQ=MINUTELY;BYDAY=MO", "2027-01-01T08:00", "UTC"), "rrule");
  EXPECT_EQ(field("FREQ=HOURLY;BYMINUTE=0,30", "2027-01-01T08:00", "UTC"), "accepted");
  EXPECT_EQ(field("RRULE:FREQ=WEEKLY;BYDAY=MO", "2027-01-04T08:00", "America/New_York"),
            "accepted");
}

TEST(CronExpression, TranslatesFieldsListsRangesStepsAndNames) {
  EXPECT_EQ(std::get<std::string>(cron_to_rrule("0 12 * * 1")),
            "FREQ=DAILY;BYHOUR=12;BYMINUTE=0;BYDAY=MO");
  EXPECT_EQ(std::get<std::string>(cron_to_rrule("*/20 6-8 * jan,Jul sun,7")),
            "FREQ=DAILY;BYHOUR=6,7,8;BYMINUTE=0,20,40;BYMONTH=1,7;BYDAY=SU");
  EXPECT_EQ(std::get<std::string>(cron_to_rrule("30 9 1,15 * *")),
            "FREQ=DAILY;BYHOUR=9;BYMINUTE=30;BYMONTHDAY=1,15");
  EXPECT_EQ(std::get<std::string>(cron_to_rrule("@monthly")),
            "FREQ=DAILY;BYHOUR=0;BYMINUTE=0;BYMONTHDAY=1");
  // A day-of-month step starts with '*': it limits the days but is not a restriction for
  // the either-day rule, as in cron.
  EXPECT_EQ(std::get<std::string>(cron_to_rrule("0 8 */10 * MON-FRI")),
            "FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYMONTHDAY=1,11,21,31;BYDAY=MO,TU,WE,TH,FR");
}

TEST(CronExpression, FiresAtItsWallClockTimesAcrossDaylightSaving) {
  const auto monday_noon = cron("0 12 * * 1");
  EXPECT_EQ(monday_noon.between(utc(2027, 3, 20, 0, 0), utc(2027, 4, 6, 0, 0), 10),
            (std::vector<Instant>{utc(2027, 3, 22, 11, 0), utc(2027, 3, 29, 10, 0),
                                  utc(2027, 4, 5, 10, 0)}));
}

// Standard cron would run "0 12 1-7 * 1" on days 1-7 and on every Monday.
TEST(CronExpression, RefusesDayOfMonthWithDayOfWeekNamingTheRrule) {
  auto r = cron_to_rrule("0 12 1-7 * 1");
  ASSERT_TRUE(std::holds_alternative<CronRefusal>(r));
  EXPECT_NE(std::get<CronRefusal>(r).message.find("FREQ=MONTHLY;BYDAY=1MO"), std::string::npos);
}

TEST(CronExpression, RefusesMalformedFieldsSayingWhich) {
  const auto message = [](const std::string& e) {
    auto r = cron_to_rrule(e);
    return std::holds_alternative<CronRefusal>(r) ? std::get<CronRefusal>(r).message
                                                  : std::string("accepted");
  };
  EXPECT_NE(message("0 12 * *").find("5 fields"), std::string::npos);
  EXPECT_NE(message("60 12 * * *").find("minute"), std::string::npos);
  EXPECT_NE(message("0 24 * * *").find("hour"), std::string::npos);
  EXPECT_NE(message("0 12 0 * *").find("day of month"), std::string::npos);
  EXPECT_NE(message("0 12 * 13 *").find("month"), std::string::npos);
  EXPECT_NE(message("0 12 * * 8").find("day of week"), std::string::npos);
  EXPECT_NE(message("0 12 5-1 * *").find("backwards"), std::string::npos);
  EXPECT_NE(message("*/0 12 * * *").find("step"), std::string::npos);
  EXPECT_NE(message("0,,5 12 * * *").find("empty"), std::string::npos);
  EXPECT_NE(message("@reboot").find("@daily"), std::string::npos);
}

TEST(Misfire, OnTimeOccurrencesAreSentWhateverThePolicy) {
  const auto now = utc(2027, 1, 1, 12, 0);
  const auto d = decide({now - std::chrono::seconds(59)}, now, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].send);
}

TEST(Misfire, SkipSendsNothingLate) {
  const auto now = utc(2027, 1, 3, 12, 0);
  const auto d = decide({utc(2027, 1, 2, 12, 0), now - std::chrono::seconds(61)}, now,
                        {MisfirePolicy::skip, {}});
  EXPECT_FALSE(d[0].send);
  EXPECT_FALSE(d[1].send);
}

// After a day and a half down, a daily bulletin with send_late within 2 hours: the
// occurrence 90 minutes ago goes out once; yesterday's is missed.
TEST(Misfire, SendLateSendsOnlyTheLatestWithinItsBound) {
  const auto now = utc(2027, 1, 3, 13, 30);
  const Misfire late{MisfirePolicy::send_late, std::chrono::hours(2)};
  const auto d = decide({utc(2027, 1, 2, 12, 0), utc(2027, 1, 3, 12, 0)}, now, late);
  EXPECT_FALSE(d[0].send);
  EXPECT_TRUE(d[1].send);
  EXPECT_FALSE(decide({utc(2027, 1, 3, 11, 0)}, now, late)[0].send);  // 2.5 h: too late
  // An occurrence on time supersedes a late one.
  const auto both = decide({utc(2027, 1, 3, 12, 0), now}, now, late);
  EXPECT_FALSE(both[0].send);
  EXPECT_TRUE(both[1].send);
}

std::vector<std::string> pointers(const std::string& json) {
  auto r = schedule_from_json(boost::json::parse(json), utc(2027, 1, 1, 0, 0));
  std::vector<std::string> out;
  if (auto* e = std::get_if<std::vector<http::FieldError>>(&r)) {
    for (const auto& f : *e) out.push_back(f.pointer);
  }
  return out;
}

TEST(ScheduleSpec, AcceptsAScheduleAndFindsItsFirstOccurrence) {
  auto r = schedule_from_json(boost::json::parse(R"({"name":"siren","alert":{"headline":"x"},
      "recurrence":{"cron":"0 12 * * 1","time_zone":"Europe/Rome"},
      "misfire":{"policy":"send_late","within_seconds":3600}})"),
                              utc(2027, 1, 1, 0, 0));
  ASSERT_TRUE(std::holds_alternative<ScheduleSpec>(r));
  const auto& spec = std::get<ScheduleSpec>(r);
  EXPECT_EQ(spec.first, utc(2027, 1, 4, 11, 0));
  EXPECT_EQ(spec.misfire.policy, MisfirePolicy::send_late);
  EXPECT_EQ(spec.misfire.within, std::chrono::seconds(3600));
  EXPECT_TRUE(spec.enabled);
}

TEST(ScheduleSpec, RefusesEachMistakeWithItsPointer) {
  const std::string ok_rec = R"("recurrence":{"cron":"0 12 * * 1","time_zone":"UTC"})";
  EXPECT_EQ(pointers(R"({"alert":{}, )" + ok_rec + "}"), std::vector<std::string>{"/name"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{"expires":"2027-01-01T00:00:00Z",
      "send_at":"2027-01-01T00:00:00Z"},)" +
                     ok_rec + "}"),
            (std::vector<std::string>{"/alert/send_at", "/alert/expires"}));
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},"recurrence":{"cron":"0 12 1 * 1",
      "time_zone":"UTC"}})"),
            std::vector<std::string>{"/recurrence/cron"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},"recurrence":{"rrule":"FREQ=DAILY",
      "time_zone":"UTC"}})"),
            std::vector<std::string>{"/recurrence/start"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},"recurrence":{"rrule":"FREQ=DAILY",
      "cron":"* * * * *","time_zone":"UTC"}})"),
            std::vector<std::string>{"/recurrence"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},"recurrence":{"rrule":"FREQ=DAILY;COUNT=1",
      "start":"2026-01-01T00:00","time_zone":"UTC"}})"),
            std::vector<std::string>{"/recurrence"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},"recurrence":{"cron":"0 12 * * *",
      "time_zone":"Mars/Olympus"}})"),
            std::vector<std::string>{"/recurrence/time_zone"});
  EXPECT_EQ(
      pointers(R"({"name":"n","alert":{},)" + ok_rec + R"(,"misfire":{"policy":"send_late"}})"),
      std::vector<std::string>{"/misfire/within_seconds"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},)" + ok_rec +
                     R"(,"misfire":{"policy":"send_late","within_seconds":86401}})"),
            std::vector<std::string>{"/misfire/within_seconds"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},)" + ok_rec + R"(,"misfire":{"policy":"later"}})"),
            std::vector<std::string>{"/misfire/policy"});
  EXPECT_EQ(pointers(R"({"name":"n","alert":{},)" + ok_rec + R"(,"enabled":"yes","when":1})"),
            (std::vector<std::string>{"/when", "/enabled"}));
}

}  // namespace
}  // namespace araldo::schedule
