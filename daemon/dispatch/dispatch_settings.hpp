#pragma once
// The dispatcher's section of araldod.yaml (`dispatch:`), read by the dispatcher's owner.
#include "daemon/config/section.hpp"
#include "daemon/dispatch/dispatcher.hpp"

namespace araldo::dispatch {

// Throws config::ConfigError naming the key for a value out of range, or a lease too
// short for a send claimed ahead.
DispatchOptions read_dispatch_settings(config::Section& section);

}  // namespace araldo::dispatch
