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
  // The approved template (one body parameter) that carries an operator's reply once the
  // 24-hour window has closed.
  struct ReplyTemplate {
    std::string name;
    std::string language;  // WhatsApp's code
  };
  std::optional<ReplyTemplate> reply_template = {};
};

// Reads the channel's `inbound:` section: verify_token, opt_out and opt_in ({language:
// [words]}), confirmations ({opted_out: {language: text}, opted_in: {...}}). Defaults
// give Italian and English words and texts.
InboundConfig read_inbound_config(config::Section& section, config::Secret app_secret,
                                  std::string phone_number_id, std::string default_language);

// The requests the inbound side sends, built with the channel's own endpoint and
// credentials: a free-form text to a number (quoting the citizen's message `context`, a
// wamid, when not empty), and the reply template for answers outside the 24-hour window
// (empty: none configured).
struct Senders {
  std::function<OutgoingRequest(const std::string& to, const std::string& text,
                                const std::string& context)>
      text;
  std::function<OutgoingRequest(const std::string& to, const std::string& text)> reply_template;
};

std::unique_ptr<Inbound> make_inbound(InboundConfig config, Senders send);

}  // namespace araldo::channels::whatsapp
