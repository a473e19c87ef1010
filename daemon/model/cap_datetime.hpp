#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace araldo::model {

using SysSeconds = std::chrono::sys_seconds;

// CAP 1.2 datetime: YYYY-MM-DDThh:mm:ss±hh:mm, offset mandatory, no "Z", no fractions.
std::optional<SysSeconds> parse_cap_datetime(std::string_view text);

// Formats in UTC the CAP way ("-00:00" is how CAP writes UTC).
std::string format_cap_datetime(SysSeconds t);

}  // namespace araldo::model
