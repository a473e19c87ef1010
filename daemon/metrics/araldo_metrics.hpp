#pragma once
// Every metric araldod exports, described in one place (the README lists the same names).
// Conventions: araldo_ prefix, base units (seconds), _total on counters.
#include "daemon/metrics/registry.hpp"
#include "daemon/store/delivery_types.hpp"

namespace araldo::metrics {

void describe_all(Registry& r);

// One attempt the dispatcher wrote: attempts by outcome, finished deliveries by state,
// send latency, and accept-to-platform latency for what was delivered.
void count_attempt(Registry& r, const store::AttemptRecord& rec);

}  // namespace araldo::metrics
