#pragma once
// What a channel plugin asks to send and what comes back, as plain values: plugins
// build requests and classify answers, the dispatcher does the I/O.
#include <string>
#include <variant>

#include "daemon/http/http_message.hpp"

namespace araldo::channels {

struct OutgoingRequest {
  std::string method = "POST";
  std::string url;  // may hold a credential (Telegram's token): never log it
  http::Headers headers;
  std::string body;
};

struct HttpReply {
  long status = 0;
  http::Headers headers;
  std::string body;
};

// A failure below HTTP, mapped from curl's codes in one place (curl_multi_sender.cpp).
struct TransportError {
  enum class Kind { timeout, connect, reset, tls, other };
  Kind kind = Kind::other;
  std::string message;
};

using Answer = std::variant<HttpReply, TransportError>;

}  // namespace araldo::channels
