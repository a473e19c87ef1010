#pragma once
// Every channel talks to a configurable base URL (the real API by default, the emulator
// in tests and demos): read and checked here, once for all plugins.
#include <string>

#include "daemon/config/section.hpp"

namespace araldo::channels {

// The `base_url` key, or `fallback`; an http(s) URL without a trailing slash.
std::string read_base_url(config::Section& section, const std::string& fallback);

}  // namespace araldo::channels
