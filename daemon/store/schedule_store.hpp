#pragma once
// Schedules and their occurrences. An occurrence is handled once across every daemon: its
// row (schedule, occurrence) is claimed before the alert is written, and the alert's
// Idempotency-Key is made from the same pair, so a daemon that dies between the two is
// taken over without a second sending.
#include <boost/json/object.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct NewSchedule {
  std::string name;
  std::string owner;  // the key that creates it: its alerts are sent in that name
  boost::json::object alert;
  boost::json::object recurrence;  // as given
  std::string rrule, dtstart, time_zone;
  std::string misfire;  // skip | send_late
  long long late_within_seconds = 0;
  bool enabled = true;
  long long next_at = 0;  // epoch seconds
};

struct ScheduleRow {
  std::string id, name, owner;
  boost::json::object alert, recurrence;
  std::string rrule, dtstart, time_zone, misfire;
  long long late_within_seconds = 0;
  bool enabled = true;
  std::optional<long long> next_at;  // epoch seconds; nullopt: the recurrence has ended
  std::string created_at, updated_at;
  std::optional<std::string> disabled_reason;  // set when the daemons disabled it
};

// Disables every enabled schedule whose owner's key was revoked or has expired, saying so
// in disabled_reason; audited as schedule.disabled, one event each. Returns how many.
int disable_schedules_of_dead_keys(Database& db);

// The owner already has a live schedule of that name.
struct ScheduleNameTaken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Returns the new schedule's id; audited as schedule.created. Throws ScheduleNameTaken.
std::string create_schedule(Database& db, const NewSchedule& schedule, const std::string& actor);
// Live (not deleted) schedules, by name; only `owner`'s when given.
std::vector<ScheduleRow> list_schedules(Database& db, const std::optional<std::string>& owner);
std::optional<ScheduleRow> find_schedule(Database& db, const std::string& id);
// Enables (with the next occurrence from now: nothing missed while disabled is caught up)
// or disables. False when there is no such live schedule. Audited.
bool set_schedule_enabled(Database& db, const std::string& id, bool enabled,
                          std::optional<long long> next_at, const std::string& actor);
// Stops it for good; its occurrences stay for the auditors. Audited.
bool delete_schedule(Database& db, const std::string& id, const std::string& actor);

struct OccurrenceRow {
  std::string occurrence;  // RFC 3339
  std::string state;       // claimed | sent | missed | refused
  std::optional<std::string> alert_id, finished_at, detail;
};
// The most recent first.
std::vector<OccurrenceRow> recent_occurrences(Database& db, const std::string& schedule_id,
                                              int limit);

// For the schedule runner.
struct DueSchedule {
  std::string id, owner, alert_body, rrule, dtstart, time_zone, misfire;
  long long late_within_seconds = 0;
  long long next_at = 0;
};
std::vector<DueSchedule> due_schedules(Database& db, long long now, int limit);

enum class Claim {
  taken,        // this daemon handles it now
  done,         // already sent, missed or refused
  in_progress,  // another daemon claimed it less than a minute ago
};
Claim claim_occurrence(Database& db, const std::string& schedule_id, long long occurrence);

// Records how a claimed occurrence ended (sent with its alert, or refused with why), with
// its audit event (schedule.fired, schedule.refused).
void finish_occurrence(Database& db, const std::string& schedule_id, long long occurrence,
                       const std::string& state, const std::optional<std::string>& alert_id,
                       const std::string& detail, long long late_by_seconds);
// Occurrences too late for the misfire policy: recorded, audited (schedule.missed), not sent.
void record_missed(Database& db, const std::string& schedule_id,
                   const std::vector<long long>& occurrences, long long now);
// Moves next_at from `from` to `to` (nullopt: ended); no-op if another daemon moved it.
void advance_schedule(Database& db, const std::string& schedule_id, long long from,
                      std::optional<long long> to);

}  // namespace araldo::store
