#pragma once
// /_emulator/...: what tests and demos use to read what arrived and to script faults.
//   GET    /_emulator/{platform}/messages   received messages, in arrival order
//   DELETE /_emulator/messages              forget messages and answer counts
//   POST   /_emulator/faults                {"platform","count","status","retry_after",
//                                            "latency_ms","drop","description","body",
//                                            "body_hex","fill_bytes"}
//   DELETE /_emulator/faults                clear scripted faults
//   GET    /_emulator/stats                 answers given, by platform and status
#include <optional>

#include "daemon/http/http_message.hpp"
#include "tests/emulator/emulator_state.hpp"

namespace araldo::emulator {

std::optional<http::Response> handle_control(EmulatorState& state, const http::Request& request);

}  // namespace araldo::emulator
