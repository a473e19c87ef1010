#include "channels/whatsapp/whatsapp_inbound.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <regex>

#include "channels/inbound/inbound_parts.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::channels::whatsapp {
namespace {

constexpr long long customer_service_window = 24 * 3600;

// A decimal string's value (timestamps, Araldo's tag), 0 when it is not one.
long long number_of(const std::string& s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : 0;
}

// An item's time, when the platform gave a readable one.
std::optional<long long> stamp_of(const std::string& s) {
  const auto v = number_of(s);
  return v > 0 ? std::optional<long long>(v) : std::nullopt;
}

class WhatsAppInbound final : public Inbound {
 public:
  WhatsAppInbound(InboundConfig config, Senders send)
      : config_(std::move(config)), send_(std::move(send)) {}

  HandshakeAnswer handshake(const std::map<std::string, std::string>& query) const override {
    const auto get = [&](const char* k) {
      const auto it = query.find(k);
      return it == query.end() ? std::string() : it->second;
    };
    if (get("hub.mode") != "subscribe") return {400, "hub.mode must be subscribe"};
    if (!same_secret(get("hub.verify_token"), config_.verify_token.reveal())) {
      return {403, "hub.verify_token does not match"};
    }
    return {200, get("hub.challenge")};
  }

  Received receive(const http::Headers& headers, std::string_view body) const override {
    const auto signature = headers.find("X-Hub-Signature-256");
    if (!signature) {
      return Refusal{401, "unsigned", "the X-Hub-Signature-256 header is missing"};
    }
    const std::string expected =
        "sha256=" + text::hmac_sha256_hex(config_.app_secret.reveal(), body);
    if (!same_secret(*signature, expected)) {
      return Refusal{403, "bad_signature",
                     "X-Hub-Signature-256 is not the HMAC-SHA256 of the body with the app "
                     "secret"};
    }
    boost::system::error_code ec;
    const auto doc = boost::json::parse(body, ec);
    if (ec || !doc.is_object()) {
      return Refusal{400, "malformed", "the body is not a JSON object"};
    }
    if (json_string(doc, {"object"}) != "whatsapp_business_account") {
      return Refusal{400, "malformed", "/object: expected \"whatsapp_business_account\""};
    }
    const auto* entries = json_at(doc, {"entry"});
    if (!entries || !entries->is_array()) {
      return Refusal{400, "malformed", "/entry: expected an array"};
    }
    // Every entry, change, status and message: batching is not guaranteed either way.
    std::vector<InboundItem> items;
    for (const auto& entry : entries->as_array()) {
      const auto* changes = json_at(entry, {"changes"});
      if (!changes || !changes->is_array()) continue;
      for (const auto& change : changes->as_array()) {
        const auto field = json_string(change, {"field"});
        if (field != "messages" && field != "user_preferences") continue;
        const auto* value = json_at(change, {"value"});
        if (!value) continue;
        if (json_string(*value, {"metadata", "phone_number_id"}) != config_.phone_number_id) {
          continue;  // another business number on the same app
        }
        if (const auto* statuses = json_at(*value, {"statuses"});
            statuses && statuses->is_array()) {
          for (const auto& s : statuses->as_array()) {
            const auto id = json_string(s, {"id"});
            const auto state = json_string(s, {"status"});
            if (id.empty() || state.empty()) {
              return Refusal{400, "malformed", "a status has no id or no status"};
            }
            items.push_back({"status",
                             id + ":" + state,
                             boost::json::serialize(s),
                             {},
                             stamp_of(json_string(s, {"timestamp"}))});
          }
        }
        if (const auto* preferences = json_at(*value, {"user_preferences"});
            preferences && preferences->is_array()) {
          for (const auto& p : preferences->as_array()) {
            const auto who = json_string(p, {"wa_id"});
            const auto said = json_string(p, {"value"});
            if (who.empty() || said.empty()) {
              return Refusal{400, "malformed", "a user preference has no wa_id or no value"};
            }
            const auto stamp = json_at(p, {"timestamp"});
            const auto at = stamp && stamp->is_int64() ? std::to_string(stamp->as_int64())
                                                       : json_string(p, {"timestamp"});
            items.push_back({"preference",
                             who + ":" + at + ":" + said,
                             boost::json::serialize(p),
                             {},
                             stamp_of(at)});
          }
        }
        if (const auto* messages = json_at(*value, {"messages"});
            messages && messages->is_array()) {
          for (const auto& m : messages->as_array()) {
            const auto id = json_string(m, {"id"});
            if (id.empty()) return Refusal{400, "malformed", "a message has no id"};
            items.push_back({"message",
                             id,
                             boost::json::serialize(m),
                             {},
                             stamp_of(json_string(m, {"timestamp"}))});
          }
        }
      }
    }
    return items;
  }

  InboundMeaning interpret(const InboundItem& item) const override {
    boost::system::error_code ec;
    const auto v = boost::json::parse(item.payload, ec);
    if (ec) return Ignored{"not JSON"};
    if (item.kind == "status") return receipt(v);
    if (item.kind == "message") return message(v);
    if (item.kind == "preference") return preference(v);
    return Ignored{"unknown kind " + item.kind};
  }

  OutgoingRequest answer(const std::string& address, const std::string& text) const override {
    return send_.text(address, text, "");
  }
  OutgoingRequest reply(const std::string& address, const std::string& text,
                        const std::string& quoted_id) const override {
    return send_.text(address, text, quoted_id);
  }
  std::optional<long long> reply_window_seconds() const override { return customer_service_window; }
  std::optional<OutgoingRequest> reply_by_template(const std::string& address,
                                                   const std::string& text) const override {
    if (!send_.reply_template) return std::nullopt;
    return send_.reply_template(address, text);
  }

 private:
  InboundMeaning receipt(const boost::json::value& s) const {
    Receipt r;
    r.platform_id = json_string(s, {"id"});
    r.state = json_string(s, {"status"});
    r.at = number_of(json_string(s, {"timestamp"}));
    if (const auto tag = number_of(json_string(s, {"biz_opaque_callback_data"})); tag > 0) {
      r.delivery_id = tag;
    }
    if (r.state != "sent" && r.state != "delivered" && r.state != "read" && r.state != "failed") {
      return Ignored{"status '" + r.state + "' is not a delivery receipt"};
    }
    if (const auto* errors = json_at(s, {"errors"}); errors && errors->is_array()) {
      for (const auto& e : errors->as_array()) {
        const auto* code = json_at(e, {"code"});
        if (!r.error.empty()) r.error += "; ";
        r.error += "(#" + (code && code->is_int64() ? std::to_string(code->as_int64()) : "?") +
                   ") " + json_string(e, {"title"});
        const auto details = json_string(e, {"error_data", "details"});
        if (!details.empty()) r.error += ": " + details;
      }
    }
    return r;
  }

  // Only the marketing category concerns Araldo's scheduled notices; alerts are sent
  // under the subscription the citizen gave, which only STOP ends.
  InboundMeaning preference(const boost::json::value& p) const {
    static const std::regex e164("[1-9][0-9]{6,14}");
    NoticePreference n;
    n.address = json_string(p, {"wa_id"});
    if (!std::regex_match(n.address, e164)) return Ignored{"the wa_id is not a phone number"};
    if (json_string(p, {"category"}) != "marketing_messages") {
      return Ignored{"a preference of category '" + json_string(p, {"category"}) + "'"};
    }
    const auto value = json_string(p, {"value"});
    if (value != "stop" && value != "resume") return Ignored{"a preference '" + value + "'"};
    n.stop = value == "stop";
    const auto* stamp = json_at(p, {"timestamp"});
    n.at =
        stamp && stamp->is_int64() ? stamp->as_int64() : number_of(json_string(p, {"timestamp"}));
    n.evidence = json_string(p, {"detail"});
    if (n.evidence.empty()) n.evidence = "marketing_messages: " + value;
    return n;
  }

  InboundMeaning message(const boost::json::value& m) const {
    static const std::regex e164("[1-9][0-9]{6,14}");
    const auto from = json_string(m, {"from"});
    if (!std::regex_match(from, e164)) return Ignored{"the sender is not a phone number"};
    const auto type = json_string(m, {"type"});
    std::string text;
    if (type == "button") {
      // A quick-reply button of an alert's template: "ack:<delivery>:safe" or ":help".
      static const std::regex ack_shape("ack:([0-9]{1,18}):(safe|help)");
      const auto payload = json_string(m, {"button", "payload"});
      std::smatch ack;
      if (std::regex_match(payload, ack, ack_shape)) {
        Acknowledgement a;
        a.address = from;
        a.delivery_id = std::stoll(ack[1]);
        a.answer = ack[2] == "safe" ? "safe" : "need_help";
        a.at = number_of(json_string(m, {"timestamp"}));
        a.evidence = payload;
        // No thank-you message: the press already shows in the chat, and in an emergency
        // the number's throughput belongs to the alerts (a thousand presses would be a
        // thousand messages competing with them).
        return a;
      }
    }
    if (type == "text") {
      text = json_string(m, {"text", "body"});
    } else if (type == "button") {
      text = json_string(m, {"button", "text"});
    } else if (type == "interactive") {
      text = json_string(m, {"interactive", "button_reply", "title"});
      if (text.empty()) text = json_string(m, {"interactive", "list_reply", "title"});
    } else {
      return Ignored{"a " + type + " message"};
    }
    SubscriptionChange change;
    change.address = from;
    change.at = number_of(json_string(m, {"timestamp"}));
    change.evidence = text;
    change.answer_by = change.at + customer_service_window;
    // Leaving wins: a word in both lists unsubscribes.
    if (auto language = config_.opt_out.match(text)) {
      change.subscribe = false;
      change.language = *language;
      change.confirmation = text_in(config_.opted_out_text, *language, config_.default_language);
      change.confirmation_in = config_.opted_out_text;
      return change;
    }
    if (auto language = config_.opt_in.match(text)) {
      change.subscribe = true;
      change.language = *language;
      change.confirmation = text_in(config_.opted_in_text, *language, config_.default_language);
      return change;
    }
    // "ISCRIVIMI NIGUARDA": the opt-in word, then a zone's keyword.
    if (auto with_zone = config_.opt_in.match_prefix(text)) {
      change.subscribe = true;
      change.language = with_zone->first;
      change.zone_keyword = with_zone->second;
      change.confirmation =
          text_in(config_.opted_in_text, change.language, config_.default_language);
      change.unknown_zone_text =
          text_in(config_.unknown_zone_text, change.language, config_.default_language)
              .value_or("");
      return change;
    }
    // Anything else is for the citizens' relations office.
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Ignored{"a message without text"};
    }
    return CitizenMessage{from, text, change.at, json_string(m, {"id"})};
  }

  InboundConfig config_;
  Senders send_;
};

void read_words(config::Section& parent, const std::string& key, KeywordSet& out,
                const std::map<std::string, std::vector<std::string>>& fallback) {
  if (!parent.has(key)) {
    for (const auto& [language, words] : fallback) {
      for (const auto& w : words) out.add(language, w);
    }
    return;
  }
  auto s = parent.section(key);
  for (const auto& language : s.keys()) {
    const auto words = s.string_list(language);
    for (const auto& w : words) {
      if (fold_keyword(w).empty()) {
        throw config::ConfigError(s.path() + "." + language + ": a word is empty");
      }
      out.add(language, w);
    }
  }
  s.reject_unknown_keys();
}

}  // namespace

InboundConfig read_inbound_config(config::Section& section, config::Secret app_secret,
                                  std::string phone_number_id, std::string default_language) {
  InboundConfig c{section.checking_secret("verify_token"),
                  std::move(app_secret),
                  std::move(phone_number_id),
                  std::move(default_language),
                  {},
                  {},
                  {},
                  {}};
  read_words(section, "opt_out", c.opt_out,
             {{"it", {"STOP", "BASTA", "CANCELLAMI"}}, {"en", {"UNSUBSCRIBE", "STOP ALERTS"}}});
  read_words(section, "opt_in", c.opt_in,
             {{"it", {"ISCRIVIMI", "ALLERTE ON"}}, {"en", {"SUBSCRIBE", "ALERTS ON"}}});
  auto confirmations = section.section("confirmations");
  c.opted_out_text = read_texts(
      confirmations, "opted_out",
      {{"it",
        "Non riceverai più gli avvisi di protezione civile su questo numero. Per iscriverti di "
        "nuovo scrivi ISCRIVIMI."},
       {"en",
        "You will no longer receive civil-protection alerts on this number. To subscribe again, "
        "write SUBSCRIBE."}});
  c.opted_in_text = read_texts(
      confirmations, "opted_in",
      {{"it",
        "Iscrizione confermata: riceverai gli avvisi di protezione civile su questo numero. Per "
        "cancellarti scrivi STOP."},
       {"en",
        "Subscribed: you will receive civil-protection alerts on this number. To stop, write "
        "UNSUBSCRIBE."}});
  c.unknown_zone_text = read_texts(
      confirmations, "unknown_zone",
      {{"it", "Zona non riconosciuta. Scrivi ISCRIVIMI seguito da una di queste zone: {zones}."},
       {"en", "Unknown zone. Write SUBSCRIBE followed by one of these zones: {zones}."}});
  confirmations.reject_unknown_keys();
  if (section.has("reply_template")) {
    auto t = section.section("reply_template");
    c.reply_template =
        InboundConfig::ReplyTemplate{t.required_string("name"), t.required_string("language")};
    t.reject_unknown_keys();
  }
  section.reject_unknown_keys();
  return c;
}

std::unique_ptr<Inbound> make_inbound(InboundConfig config, Senders send) {
  return std::make_unique<WhatsAppInbound>(std::move(config), std::move(send));
}

}  // namespace araldo::channels::whatsapp
