#pragma once
// Builds araldod's parts in order and runs them: store, renderer, HTTP API, dispatcher.
#include "daemon/app_config.hpp"

namespace araldo {

// Serves until SIGINT or SIGTERM; returns the process exit code.
int serve(config::Config& config);

}  // namespace araldo
