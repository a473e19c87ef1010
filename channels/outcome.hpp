#pragma once
// What a platform's answer means for one delivery. Richer than "retry or not":
// a signalled wait and a channel-wide failure must be told apart from a plain error.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "channels/http_exchange.hpp"

namespace araldo::channels {

enum class Scope { target, channel };

struct Outcome {
  enum class Kind {
    delivered,    // the platform has it; platform_id addresses it for later edits
    retry_after,  // the platform asked us to wait (429, flood control): no backoff guess
    transient,    // 5xx, timeout, reset: back off with jitter and try again
    permanent,    // retrying cannot help; scope says for whom
  };

  Kind kind = Kind::transient;
  std::string platform_id;
  std::chrono::seconds wait{0};
  Scope scope = Scope::target;
  std::string reason;
  // The target has a new address (a Telegram group that became a supergroup): send
  // there, now, and keep the new address.
  std::optional<std::string> moved_to;
  // The person behind the target ended the contact (blocked the bot, deleted the
  // account): a subscriber there is unsubscribed, as if they had written STOP.
  bool recipient_left = false;

  static Outcome delivered(std::string platform_id);
  static Outcome retry_after(std::chrono::seconds wait, Scope scope, std::string reason);
  static Outcome transient(std::string reason);
  static Outcome permanent(std::string reason, Scope scope = Scope::target);
  static Outcome moved(std::string new_target, std::string reason);
};

std::string_view to_string(Outcome::Kind kind);
std::string_view to_string(Scope scope);

// Every transport failure is worth another try: the request may never have arrived.
Outcome classify_transport_error(const TransportError& error);

}  // namespace araldo::channels
