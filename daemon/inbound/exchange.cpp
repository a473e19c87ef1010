#include "daemon/inbound/exchange.hpp"

#include <algorithm>

#include "daemon/dispatch/curl_multi_sender.hpp"

namespace araldo::inbound {

channels::Answer send_and_wait(const channels::OutgoingRequest& request,
                               std::chrono::milliseconds timeout, std::stop_token stop) {
  dispatch::CurlMultiSender sender;
  sender.submit(1, request, timeout);
  for (;;) {
    if (stop.stop_requested()) {
      return channels::TransportError{channels::TransportError::Kind::other, "stopped"};
    }
    auto done = sender.poll(std::chrono::milliseconds(200));
    if (!done.empty()) return std::move(done.front().answer);
  }
}

std::vector<channels::Answer> send_all_and_wait(
    const std::vector<channels::OutgoingRequest>& requests, std::chrono::milliseconds timeout,
    std::size_t in_flight, std::stop_token stop) {
  std::vector<channels::Answer> out(
      requests.size(), channels::TransportError{channels::TransportError::Kind::other, "stopped"});
  dispatch::CurlMultiSender sender;
  std::size_t next = 0, done = 0;
  while (done < requests.size() && !stop.stop_requested()) {
    for (; next < requests.size() && sender.in_flight() < std::max<std::size_t>(1, in_flight);
         ++next) {
      sender.submit(next, requests[next], timeout);
    }
    for (auto& c : sender.poll(std::chrono::milliseconds(200))) {
      out[c.tag] = std::move(c.answer);
      ++done;
    }
  }
  return out;
}

}  // namespace araldo::inbound
