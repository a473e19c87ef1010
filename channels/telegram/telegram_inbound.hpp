#pragma once
// Telegram Bot API updates (shared/inbound.md §2): /start (with an optional deep-link
// payload naming a language) subscribes a private chat, /stop unsubscribes it, and a user
// who blocks the bot (my_chat_member "kicked") is unsubscribed. Updates come by webhook,
// with the secret token checked, or by getUpdates long polling, as the config says.
#include <memory>
#include <optional>
#include <set>

#include "channels/inbound/inbound.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::telegram {

struct InboundConfig {
  bool polling = false;
  std::optional<config::Secret> secret_token;  // webhook mode: required
  std::optional<std::string> webhook_url;      // set with setWebhook at start, when given
  std::set<std::string> languages;             // what /start may choose; the first is the default
  std::string default_language;
  std::map<std::string, std::string> subscribed_text;  // per language
  std::map<std::string, std::string> unsubscribed_text;
};

InboundConfig read_inbound_config(config::Section& section, std::string default_language);

// `api` builds a Bot API call: method name and JSON body.
std::unique_ptr<Inbound> make_inbound(
    InboundConfig config,
    std::function<OutgoingRequest(const std::string& method, const std::string& body)> api);

}  // namespace araldo::channels::telegram
