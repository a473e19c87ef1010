#pragma once
// One HTTP request, waited for: what the inbound side says to a platform outside the
// dispatcher (a confirmation, a getUpdates poll, setWebhook at start). Same libcurl
// settings and transport-error mapping as the dispatcher's.
#include <chrono>
#include <stop_token>

#include "channels/http_exchange.hpp"

namespace araldo::inbound {

// A stop request abandons the transfer (a transport error), so a long poll never holds up
// shutdown.
channels::Answer send_and_wait(const channels::OutgoingRequest& request,
                               std::chrono::milliseconds timeout, std::stop_token stop = {});

}  // namespace araldo::inbound
