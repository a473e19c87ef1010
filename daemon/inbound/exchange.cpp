#include "daemon/inbound/exchange.hpp"

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

}  // namespace araldo::inbound
