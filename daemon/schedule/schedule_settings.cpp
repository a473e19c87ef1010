#include "daemon/schedule/schedule_settings.hpp"

namespace araldo::schedule {

RunnerOptions read_schedule_settings(config::Section& schedules) {
  RunnerOptions o;
  // How often each daemon looks for occurrences that came due.
  o.poll_interval = schedules.millis("poll_interval_ms", o.poll_interval);
  schedules.reject_unknown_keys();
  return o;
}

}  // namespace araldo::schedule
