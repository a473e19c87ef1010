#pragma once
// A 5-field cron expression (minute hour day-of-month month day-of-week), translated into
// the RRULE that libical iterates, so both kinds of schedule share one recurrence engine.
//
// Fields take *, N, N-M, lists (1,15), steps (*/15, 1-30/5), month names JAN-DEC and day
// names SUN-SAT (0 and 7 are Sunday); @yearly @monthly @weekly @daily @hourly stand for
// their usual expressions. The times are wall-clock times in the schedule's time zone.
//
// The day-of-month and day-of-week rule: standard cron fires when EITHER field matches if
// both are restricted, so "0 12 1-7 * 1" runs on days 1-7 and on every Monday, not on the
// first Monday. Araldo refuses an expression that restricts both, naming both readings:
// the first Monday is the RRULE FREQ=MONTHLY;BYDAY=1MO, and "either" is two schedules.
#include <string>
#include <variant>

namespace araldo::schedule {

struct CronRefusal {
  std::string message;
};

// The RRULE for the expression (FREQ=DAILY with BYMINUTE/BYHOUR and the day limits).
std::variant<std::string, CronRefusal> cron_to_rrule(const std::string& expression);

}  // namespace araldo::schedule
