#pragma once
// The schedules' section of araldod.yaml (`schedules:`).
#include "daemon/config/section.hpp"
#include "daemon/schedule/schedule_runner.hpp"

namespace araldo::schedule {

RunnerOptions read_schedule_settings(config::Section& section);

}  // namespace araldo::schedule
