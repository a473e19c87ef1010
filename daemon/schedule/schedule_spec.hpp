#pragma once
// A schedule as an operator writes it (POST /v1/schedules, araldoctl schedules create):
//   {"name": "...", "alert": {a POST /v1/alerts body},
//    "recurrence": {"rrule": "FREQ=MONTHLY;BYDAY=1MO", "start": "2027-01-04T12:00",
//                   "time_zone": "Europe/Rome"}   or   {"cron": "0 12 * * 1", "time_zone": ...},
//    "misfire": {"policy": "skip"} or {"policy": "send_late", "within_seconds": 3600},
//    "enabled": true}
// The alert is checked here for what only a schedule forbids (a fixed send_at or expires,
// which would go stale); the rest of it is checked as any alert is, by the intake.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/http/problem.hpp"
#include "daemon/schedule/misfire.hpp"
#include "daemon/schedule/recurrence.hpp"

namespace araldo::schedule {

struct ScheduleSpec {
  std::string name;
  boost::json::object alert;
  boost::json::object recurrence_doc;  // as given, shown back to its readers
  std::optional<Recurrence> recurrence;
  Misfire misfire;
  bool enabled = true;
  Instant first;  // the first occurrence after now
};

// Every error found, with JSON Pointers into `doc`.
std::variant<ScheduleSpec, std::vector<http::FieldError>> schedule_from_json(
    const boost::json::value& doc, Instant now);

// A recurrence document already accepted once (read back from the database).
std::optional<Recurrence> recurrence_from_json(const boost::json::object& doc);

}  // namespace araldo::schedule
