#include "channels/outcome.hpp"

#include "channels/channel.hpp"

namespace araldo::channels {

Outcome Outcome::delivered(std::string platform_id) {
  Outcome o;
  o.kind = Kind::delivered;
  o.platform_id = std::move(platform_id);
  return o;
}

Outcome Outcome::retry_after(std::chrono::seconds wait, Scope scope, std::string reason) {
  Outcome o;
  o.kind = Kind::retry_after;
  o.wait = wait;
  o.scope = scope;
  o.reason = std::move(reason);
  return o;
}

Outcome Outcome::transient(std::string reason) {
  Outcome o;
  o.kind = Kind::transient;
  o.reason = std::move(reason);
  return o;
}

Outcome Outcome::permanent(std::string reason, Scope scope) {
  Outcome o;
  o.kind = Kind::permanent;
  o.scope = scope;
  o.reason = std::move(reason);
  return o;
}

Outcome Outcome::moved(std::string new_target, std::string reason) {
  Outcome o = retry_after(std::chrono::seconds(0), Scope::target, std::move(reason));
  o.moved_to = std::move(new_target);
  return o;
}

std::string_view to_string(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::delivered:
      return "delivered";
    case Outcome::Kind::retry_after:
      return "retry_after";
    case Outcome::Kind::transient:
      return "transient";
    case Outcome::Kind::permanent:
      return "permanent";
  }
  return "unknown";
}

std::string_view to_string(Scope scope) {
  return scope == Scope::target ? "target" : "channel";
}

Outcome classify_transport_error(const TransportError& error) {
  static constexpr std::string_view names[] = {"timeout", "connect", "reset", "tls", "transport"};
  return Outcome::transient(std::string(names[static_cast<int>(error.kind)]) + ": " +
                            error.message);
}

}  // namespace araldo::channels

namespace araldo::channels {

std::string_view to_string(Action action) {
  switch (action) {
    case Action::send:
      return "send";
    case Action::edit:
      return "edit";
    case Action::remove:
      return "remove";
    case Action::reply:
      return "reply";
  }
  return "send";
}

std::optional<Action> parse_action(std::string_view name) {
  for (auto a : {Action::send, Action::edit, Action::remove, Action::reply}) {
    if (to_string(a) == name) return a;
  }
  return std::nullopt;
}

}  // namespace araldo::channels
