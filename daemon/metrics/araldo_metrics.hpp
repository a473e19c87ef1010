#pragma once
// Every metric araldod exports, described in one place (the README lists the same names).
// Conventions: araldo_ prefix, base units (seconds), _total on counters.
#include "daemon/delivery/delivery_records.hpp"
#include "daemon/metrics/registry.hpp"

namespace araldo::metrics {

void describe_all(Registry& r);

// One attempt the dispatcher wrote: attempts by outcome, finished deliveries by state,
// send latency, and accept-to-platform latency for what was delivered.
void count_attempt(Registry& r, const delivery::AttemptRecord& rec,
                   const delivery::Recorded& recorded);

}  // namespace araldo::metrics
