#pragma once
// WhatsApp Cloud API webhooks (shared/inbound.md §1): the verification handshake, signed
// status and message notifications, and the opt-in / opt-out words citizens write.
#include <functional>
#include <memory>

#include "channels/inbound/inbound.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::whatsapp {

struct InboundConfig {
  config::Secret verify_token;
  config::Secret app_secret;    // the signature key: the channel's app_secret
  std::string phone_number_id;  // notifications for another number are not ours
  std::string default_language;
  KeywordSet opt_out;
  KeywordSet opt_in;
  std::map<std::string, std::string> opted_out_text;  // per language
  std::map<std::string, std::string> opted_in_text;
  // The answer to an opt-in naming a zone nobody defined; {zones} lists the keywords.
  std::map<std::string, std::string> unknown_zone_text = {};
};

// Reads the channel's `inbound:` section: verify_token, opt_out and opt_in ({language:
// [words]}), confirmations ({opted_out: {language: text}, opted_in: {...}}). Defaults
// give Italian and English words and texts.
InboundConfig read_inbound_config(config::Section& section, config::Secret app_secret,
                                  std::string phone_number_id, std::string default_language);

// `send_text` builds the request for a free-form text to a number (the channel's own
// endpoint and credentials).
std::unique_ptr<Inbound> make_inbound(
    InboundConfig config,
    std::function<OutgoingRequest(const std::string& to, const std::string& text)> send_text);

}  // namespace araldo::channels::whatsapp
