#pragma once
// One HTTP request, waited for: what the inbound side says to a platform outside the
// dispatcher (a confirmation, a getUpdates poll, setWebhook at start). Same libcurl
// settings and transport-error mapping as the dispatcher's.
#include <chrono>
#include <stop_token>
#include <vector>

#include "channels/http_exchange.hpp"

namespace araldo::inbound {

// A stop request abandons the transfer (a transport error), so a long poll never holds up
// shutdown.
channels::Answer send_and_wait(const channels::OutgoingRequest& request,
                               std::chrono::milliseconds timeout, std::stop_token stop = {});

// Many requests at once, at most `in_flight` together on one multi handle (connections to
// the same host are reused): the answers, in the order of `requests`. A burst of presses
// is a burst of thanks, and one at a time would hold up the next batch.
std::vector<channels::Answer> send_all_and_wait(
    const std::vector<channels::OutgoingRequest>& requests, std::chrono::milliseconds timeout,
    std::size_t in_flight, std::stop_token stop = {});

}  // namespace araldo::inbound
