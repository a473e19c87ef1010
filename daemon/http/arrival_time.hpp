#pragma once
// When a request reached this host, as the kernel stamped its first packet, not when a
// (possibly starved) thread got round to reading it. The emulator counts a platform's
// rate limits by arrival, as the platforms do: a stall of its own must not bunch
// requests that arrived spread out.
#include <chrono>
#include <optional>

namespace araldo::http {

// Asks the kernel to stamp each packet received on this TCP socket.
bool enable_arrival_times(int fd);

// The stamp of the first unread byte on the socket, without consuming it; nothing when
// no byte is waiting or it carries no stamp.
std::optional<std::chrono::steady_clock::time_point> peek_arrival_time(int fd);

}  // namespace araldo::http
