#pragma once
// Sends the schedules' occurrences as they come due. Every daemon runs one; the store's
// occurrence rows make each occurrence go out once between them. Each tick: the
// schedules due by now, their occurrences since last handled, the misfire policy's
// decision for each, one alert per occurrence sent (through the same intake as
// POST /v1/alerts, in the name of the key that made the schedule), and next_at moved on.
#include <chrono>
#include <functional>
#include <stop_token>

#include "daemon/intake/alert_intake.hpp"
#include "daemon/schedule/recurrence.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/schedule_store.hpp"

namespace araldo::schedule {

struct RunnerOptions {
  std::chrono::milliseconds poll_interval{1000};
};

class ScheduleRunner {
 public:
  using Clock = std::function<Instant()>;
  ScheduleRunner(store::Database& db, const intake::AlertIntake& intake, RunnerOptions options,
                 Clock clock = system_now);

  // Ticks until stopped; a database outage is logged and waited out.
  void run(std::stop_token stop);
  // One pass over the schedules due now; returns how many alerts it sent.
  int tick();

  static Instant system_now();

 private:
  int handle(const store::DueSchedule& due, Instant now);

  store::Database& db_;
  const intake::AlertIntake& intake_;
  RunnerOptions options_;
  Clock clock_;
};

}  // namespace araldo::schedule
