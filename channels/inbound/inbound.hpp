#pragma once
// What a platform tells Araldo, as plain values. A plugin that takes webhooks or polls
// implements Inbound: it authenticates a webhook and cuts it into items (one status, one
// message, one update), each with the key that makes it unique, and later says what an
// item means. It never touches SQL or does I/O: the daemon stores items first (so a burst
// is absorbed and a replay is a no-op), then applies their meaning.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "channels/http_exchange.hpp"

namespace araldo::channels {

// One unit of a webhook body or a poll, stored once per (channel, kind, key).
struct InboundItem {
  std::string kind;     // "status", "message", "update"
  std::string key;      // what makes it unique: "wamid.X:delivered", a message wamid, update_id
  std::string payload;  // the item's JSON, as the platform sent it
  std::optional<long long> sequence;  // Telegram's update_id: where polling resumes
  // When the platform says it happened (Unix seconds): a replay older than the daemon's
  // window is refused at the door. Nothing: the platform gave no time.
  std::optional<long long> at = {};
};

// Why a webhook was refused: the HTTP status, a short verdict for metrics and the audit
// log ("unsigned", "bad_signature", "malformed", "too_large"), and what was wrong.
struct Refusal {
  int status = 400;
  std::string verdict;
  std::string detail;
};

using Received = std::variant<std::vector<InboundItem>, Refusal>;

// A platform's receipt for a message Araldo sent, found by the id the platform gave it.
struct Receipt {
  std::string platform_id;  // a wamid
  // The delivery it is about, when the platform echoed Araldo's tag (nullopt: a message
  // Araldo did not send as a delivery, such as a confirmation).
  std::optional<long long> delivery_id;
  std::string state;  // sent, delivered, read, failed
  long long at = 0;   // Unix seconds, as the platform stamped it
  std::string error;  // with failed: code and title
};

// A citizen subscribing or leaving, on the channel itself.
struct SubscriptionChange {
  std::string address;  // the citizen's number or chat id
  bool subscribe = false;
  std::string language;       // with subscribe: the language they chose
  long long at = 0;           // when they asked (Unix seconds): the consent or withdrawal time
  std::string evidence;       // what they wrote, or "blocked the bot"
  std::string kind = "stop";  // with a withdrawal: "stop" (they wrote it) or "blocked"
  std::optional<std::string> confirmation;  // text to answer them with, if any
  // The same text in other languages: leaving is confirmed in the language the citizen
  // subscribed in, when that is one of these.
  std::map<std::string, std::string> confirmation_in;
  long long answer_by = 0;  // Unix seconds after which a free-form answer is refused (0: never)
  // With subscribe: the zone the citizen named after the opt-in word, in capitals
  // ("NIGUARDA"); empty: none named. The daemon knows the zones, and answers
  // unknown_zone_text ({zones}: the keywords) when none has it.
  std::string zone_keyword = {};
  std::string unknown_zone_text = {};
  // With subscribe: the confirmation offers the zones as buttons (Telegram), pressed as a
  // ZoneChoice.
  bool offer_zones = false;
};

// A subscriber choosing a zone with a button (the confirmation's): added to their zones.
struct ZoneChoice {
  std::string address;
  std::string zone;      // the zone's name, as the button carried it
  std::string press_id;  // answered (answer_press)
  std::string evidence;
};

// A citizen stopping or resuming non-emergency messages while staying subscribed to
// alerts (WhatsApp's marketing opt-out, `user_preferences`): scheduled notices skip them.
struct NoticePreference {
  std::string address;
  bool stop = false;  // false: resume
  long long at = 0;   // Unix seconds, as the platform stamped it
  std::string evidence;
};

// A citizen's answer to an alert that asked for one: a button pressed on its message.
// Araldo's own tag names the delivery; the daemon checks it was sent to this address.
struct Acknowledgement {
  std::string address;
  long long delivery_id = 0;
  std::string answer;    // "safe" or "need_help"
  long long at = 0;      // Unix seconds; 0: the platform gave no time
  std::string press_id;  // the platform's id of the press, answered (answer_press)
  std::string thanks;    // what the answer says, in the citizen's language
  std::string evidence;  // the button's data, as the platform sent it
};

// Anything else a citizen writes: it goes to the citizens' inbox, for an operator to answer.
struct CitizenMessage {
  std::string address;
  std::string text;
  long long at = 0;        // Unix seconds, as the platform stamped it
  std::string message_id;  // the platform's id for it: a reply quotes it
};

struct Ignored {
  std::string why;
};

using InboundMeaning = std::variant<Receipt, SubscriptionChange, NoticePreference, Acknowledgement,
                                    ZoneChoice, CitizenMessage, Ignored>;

// A button under an answer: what it says, and the data it sends back when pressed.
struct Button {
  std::string label;
  std::string data;
};

// The answer to a webhook verification handshake (WhatsApp's GET with hub.challenge).
struct HandshakeAnswer {
  int status = 200;
  std::string body;
};

class Inbound {
 public:
  virtual ~Inbound() = default;

  // GET on the webhook path, with its decoded query parameters.
  virtual HandshakeAnswer handshake(const std::map<std::string, std::string>& /*query*/) const {
    return {405, "this webhook takes POST only"};
  }
  // Authenticates a webhook POST against the raw body (never a re-serialised one) and cuts
  // it into items. Must compare secrets in constant time.
  virtual Received receive(const http::Headers& headers, std::string_view body) const = 0;
  virtual InboundMeaning interpret(const InboundItem& item) const = 0;
  // A free-form text message to one address (a confirmation).
  virtual OutgoingRequest answer(const std::string& address, const std::string& text) const = 0;
  // The answer to a button pressed (Telegram's answerCallbackQuery: it stops the button's
  // spinner and shows `text`); nullopt: the platform has none, answer() is used.
  virtual std::optional<OutgoingRequest> answer_press(const std::string& /*press_id*/,
                                                      const std::string& /*text*/) const {
    return std::nullopt;
  }
  // An answer with buttons under it (one per row); a platform without them: answer().
  virtual OutgoingRequest answer_with_buttons(const std::string& address, const std::string& text,
                                              const std::vector<Button>& /*buttons*/) const {
    return answer(address, text);
  }

  // An operator's answer to a citizen, quoting the citizen's message `quoted_id` when the
  // platform can (empty: no quote).
  virtual OutgoingRequest reply(const std::string& address, const std::string& text,
                                const std::string& /*quoted_id*/) const {
    return answer(address, text);
  }
  // How long after the citizen last wrote a free-form reply is allowed (WhatsApp's
  // customer-service window); nullopt: always.
  virtual std::optional<long long> reply_window_seconds() const { return std::nullopt; }
  // The reply once that window has closed: an approved template carrying `text`; nullopt
  // when the channel has none configured.
  virtual std::optional<OutgoingRequest> reply_by_template(const std::string& /*address*/,
                                                           const std::string& /*text*/) const {
    return std::nullopt;
  }

  // Polling (Telegram's getUpdates): true when the config chose it over a webhook.
  virtual bool polls() const { return false; }
  virtual OutgoingRequest poll(long long /*offset*/, int /*timeout_seconds*/) const { return {}; }
  virtual Received polled(const HttpReply& /*reply*/) const {
    return Refusal{502, "unsupported", "this channel does not poll"};
  }
  // Called once at start: tells the platform where to deliver (setWebhook), or to stop
  // (deleteWebhook, before polling). nullopt: nothing to say.
  virtual std::optional<OutgoingRequest> registration() const { return std::nullopt; }
};

// Constant-time equality for secrets and signatures.
bool same_secret(std::string_view a, std::string_view b);

// The opt-in and opt-out words of a channel, per language: matched after trimming and
// case folding, so "stop", " Stop " and "STOP" are the same word.
class KeywordSet {
 public:
  void add(const std::string& language, const std::string& word);
  // The language whose list holds `text`, if any.
  std::optional<std::string> match(std::string_view text) const;
  // A word of the set, then one more word: its language and that word in ASCII capitals
  // ("iscrivimi niguarda" -> it, NIGUARDA).
  std::optional<std::pair<std::string, std::string>> match_prefix(std::string_view text) const;

 private:
  std::map<std::string, std::string> words_;  // folded word -> language
};

std::string fold_keyword(std::string_view text);

}  // namespace araldo::channels
