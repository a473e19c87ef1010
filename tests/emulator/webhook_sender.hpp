#pragma once
// How the platforms deliver webhooks: a POST with the platform's headers, repeated with a
// growing pause while the answer is not 2xx, up to `attempts` times. Returns every HTTP
// status the receiver answered (0: no answer), in order.
#include <string>
#include <vector>

#include "daemon/http/http_message.hpp"

namespace araldo::emulator {

std::vector<int> post_webhook(const std::string& url, const http::Headers& headers,
                              const std::string& body, int attempts);

}  // namespace araldo::emulator
