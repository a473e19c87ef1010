#include "daemon/schedule/recurrence.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <regex>

namespace araldo::schedule {
namespace {

// libical keeps global state (its error number, the time zones it has loaded).
std::mutex libical_mutex;

icaltimezone* find_zone(const std::string& name) {
  if (name == "UTC") return icaltimezone_get_utc_timezone();
  return icaltimezone_get_builtin_timezone(name.c_str());
}

// Seconds since the epoch of a local wall-clock time read as if it were UTC.
long long naive_seconds(const icaltimetype& local) {
  return static_cast<long long>(icaltime_as_timet(local));
}

int offset_at(icaltimezone* zone, long long utc) {
  icaltimetype t =
      icaltime_from_timet_with_zone(static_cast<time_t>(utc), 0, icaltimezone_get_utc_timezone());
  int is_daylight = 0;
  return icaltimezone_get_utc_offset_of_utc_time(zone, &t, &is_daylight);
}

// The UTC instant of a local time in `zone` (RFC 5545 3.3.5 for gaps and repeats). Zone
// offsets change at most once or twice a year, so the offsets a day before and a day
// after are the only candidates.
long long to_utc(icaltimezone* zone, const icaltimetype& local) {
  const long long naive = naive_seconds(local);
  const int before = offset_at(zone, naive - 86400);
  const int after = offset_at(zone, naive + 86400);
  const bool before_fits = offset_at(zone, naive - before) == before;
  const bool after_fits = offset_at(zone, naive - after) == after;
  if (before_fits && after_fits) return std::min(naive - before, naive - after);  // repeated
  if (after_fits) return naive - after;
  return naive - before;  // fits, or in the gap: the offset before it
}

icaltimetype to_local(icaltimezone* zone, long long utc) {
  icaltimetype t = icaltime_from_timet_with_zone(static_cast<time_t>(utc), 0, zone);
  t.zone = nullptr;  // floating: the iterator works in wall-clock time
  return t;
}

struct IteratorFree {
  void operator()(icalrecur_iterator* it) const { icalrecur_iterator_free(it); }
};

// Parses YYYY-MM-DDTHH:MM[:SS] into a floating time, refusing dates that do not exist.
std::optional<icaltimetype> parse_local(const std::string& text) {
  static const std::regex shape(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?)");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) return std::nullopt;
  icaltimetype t = icaltime_null_time();
  t.year = std::stoi(m[1]);
  t.month = std::stoi(m[2]);
  t.day = std::stoi(m[3]);
  t.hour = std::stoi(m[4]);
  t.minute = std::stoi(m[5]);
  t.second = m[6].matched ? std::stoi(m[6]) : 0;
  if (t.year < 1970 || t.year > 2500 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > icaltime_days_in_month(t.month, t.year) || t.hour > 23 || t.minute > 59 ||
      t.second > 59) {
    return std::nullopt;
  }
  return t;
}

std::string local_text(const icaltimetype& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

}  // namespace

std::variant<Recurrence, RecurrenceError> Recurrence::parse(const std::string& rrule_in,
                                                            const std::string& start,
                                                            const std::string& time_zone) {
  std::lock_guard lock(libical_mutex);
  icalerror_set_errors_are_fatal(0);
  if (!find_zone(time_zone)) {
    return RecurrenceError{"time_zone", "'" + time_zone +
                                            "' is not an IANA time zone name (such as "
                                            "Europe/Rome; names are case-sensitive)"};
  }
  const auto local = parse_local(start);
  if (!local) {
    return RecurrenceError{"start",
                           "a local date and time YYYY-MM-DDTHH:MM[:SS] (years 1970-2500), "
                           "without an offset: the time zone is time_zone"};
  }
  std::string rrule = rrule_in;
  if (rrule.rfind("RRULE:", 0) == 0) rrule.erase(0, 6);
  if (rrule.empty() || rrule.size() > 1000 ||
      !std::all_of(rrule.begin(), rrule.end(), [](char c) { return c > 0x20 && c < 0x7F; })) {
    return RecurrenceError{"rrule",
                           "an RFC 5545 RRULE such as FREQ=MONTHLY;BYDAY=1MO, "
                           "printable ASCII without spaces"};
  }
  icalerror_clear_errno();
  const icalrecurrencetype parsed = icalrecurrencetype_from_string(rrule.c_str());
  if (parsed.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
    icalerror_clear_errno();
    return RecurrenceError{"rrule",
                           "not an RFC 5545 RRULE (for example "
                           "FREQ=MONTHLY;BYDAY=1MO or FREQ=WEEKLY;BYDAY=MO,TH)"};
  }
  if (parsed.freq == ICAL_SECONDLY_RECURRENCE || parsed.by_second[0] != ICAL_RECURRENCE_ARRAY_MAX) {
    return RecurrenceError{"rrule",
                           "FREQ=SECONDLY and BYSECOND are not accepted: a notice "
                           "recurs at most once a minute"};
  }
  // libical walks a sub-daily rule hour by hour (or minute by minute) until the year
  // 2582 looking for a day that matches: FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30 took 13 s
  // of CPU, and MINUTELY sixty times that. Days are chosen with FREQ=DAILY instead, which
  // expands BYHOUR and BYMINUTE (as a cron expression is translated).
  const bool sub_daily =
      parsed.freq == ICAL_MINUTELY_RECURRENCE || parsed.freq == ICAL_HOURLY_RECURRENCE;
  const bool chooses_days = parsed.by_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            parsed.by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            parsed.by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            parsed.by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            parsed.by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            parsed.by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX;
  if (sub_daily && chooses_days) {
    return RecurrenceError{"rrule",
                           "FREQ=HOURLY and FREQ=MINUTELY cannot choose days (BYDAY, "
                           "BYMONTHDAY, BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS): use FREQ=DAILY "
                           "with BYHOUR and BYMINUTE, e.g. "
                           "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8,9,10;BYMINUTE=0"};
  }
  return Recurrence(rrule, local_text(*local), time_zone);
}

std::vector<Instant> Recurrence::between(Instant after, Instant until, std::size_t max) const {
  std::vector<Instant> out;
  if (max == 0 || until <= after) return out;
  std::lock_guard lock(libical_mutex);
  icaltimezone* zone = find_zone(time_zone_);
  const icalrecurrencetype rule = icalrecurrencetype_from_string(rrule_.c_str());
  const icaltimetype start = *parse_local(start_);
  std::unique_ptr<icalrecur_iterator, IteratorFree> it(icalrecur_iterator_new(rule, start));
  if (!it) return out;
  const long long from = after.time_since_epoch().count();
  const long long to = until.time_since_epoch().count();
  // Jump ahead rather than walk every occurrence since the start; not allowed with COUNT,
  // which counts from the start. Two days back covers any zone's offset.
  if (rule.count == 0 && from - 2 * 86400 > to_utc(zone, start)) {
    icalrecur_iterator_set_start(it.get(), to_local(zone, from - 2 * 86400));
  }
  // A rule that matches nothing (BYMONTHDAY=30;BYMONTH=2) ends inside libical; this bounds
  // rules that match only rarely and far in the past.
  for (long steps = 0; steps < 5'000'000; ++steps) {
    const icaltimetype next = icalrecur_iterator_next(it.get());
    if (icaltime_is_null_time(next)) break;
    const long long utc = to_utc(zone, next);
    if (utc > to) break;
    if (utc <= from) continue;
    if (!out.empty() && out.back().time_since_epoch().count() >= utc) continue;  // repeated hour
    out.push_back(Instant(std::chrono::seconds(utc)));
    if (out.size() >= max) break;
  }
  return out;
}

std::string Recurrence::local_time(Instant t) const {
  std::lock_guard lock(libical_mutex);
  return local_text(to_local(find_zone(time_zone_), t.time_since_epoch().count()));
}

std::optional<Instant> Recurrence::next_after(Instant t) const {
  const auto found = between(t, t + std::chrono::hours(24 * 366 * 100), 1);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace araldo::schedule
