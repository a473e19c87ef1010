#pragma once
// Many HTTP requests in flight on one thread, through libcurl's multi interface.
// The caller's loop polls it; poll() can also watch one more descriptor (the database
// connection's socket, for LISTEN/NOTIFY) so a single wait covers both.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "channels/http_exchange.hpp"

namespace araldo::dispatch {

class CurlMultiSender {
 public:
  CurlMultiSender();
  ~CurlMultiSender();
  CurlMultiSender(const CurlMultiSender&) = delete;
  CurlMultiSender& operator=(const CurlMultiSender&) = delete;

  void submit(std::uint64_t tag, const channels::OutgoingRequest& request,
              std::chrono::milliseconds timeout);

  struct Completion {
    std::uint64_t tag = 0;
    channels::Answer answer;
    std::chrono::milliseconds latency{0};
  };

  // Drives transfers, waiting at most max_wait for progress, for extra_fd (if >= 0) to
  // become readable, or for wakeup(). Returns the transfers that finished.
  std::vector<Completion> poll(std::chrono::milliseconds max_wait, int extra_fd = -1);

  // Thread-safe: makes a blocked poll() return early.
  void wakeup();

  std::size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  void collect(std::vector<Completion>& done);  // finished transfers, removed from multi_
  void* multi_;                                 // CURLM*, kept out of this header
  std::map<void*, std::unique_ptr<Transfer>> transfers_;
};

// One switch from curl's result codes to transport error kinds.
channels::TransportError::Kind transport_error_kind(int curl_code);

}  // namespace araldo::dispatch
