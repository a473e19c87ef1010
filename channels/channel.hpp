#pragma once
// The one interface every platform plugin implements. A plugin knows its platform and
// nothing else: it never sleeps, retries, touches SQL or does I/O. The dispatcher
// sends what build_request() returns and feeds the answer to classify().
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "channels/http_exchange.hpp"
#include "channels/inbound/inbound.hpp"
#include "channels/outcome.hpp"

namespace araldo::channels {

// A platform's published send rate for one channel instance (a bot, an app, a phone
// number): `per_second` on average, at most `burst` at once.
struct RateLimit {
  double per_second = 1;
  double burst = 1;
};

// What a message does: a new post, or an action on one published before (a cancel or an
// update reaching what citizens already saw), addressed by its platform id.
enum class Action {
  send,    // a new post
  edit,    // replace the text of `subject_id` (Telegram editMessageText, Facebook POST /{id})
  remove,  // delete `subject_id` (Telegram deleteMessage, X and Facebook DELETE)
  reply,   // a new post answering `subject_id` (a reply on X and Telegram; WhatsApp and
           // Facebook, which cannot reply, send it as a new message)
};
std::string_view to_string(Action action);
std::optional<Action> parse_action(std::string_view name);

// Settings every channel has, whatever its platform.
struct ChannelSettings {
  std::string name;  // the operator's name for this channel instance, e.g. "telegram-comune"
  std::string type;  // the plugin, e.g. "telegram"
  bool enabled = true;
  std::string language = "it";              // default template language
  std::optional<std::string> template_dir;  // operator's own templates, overriding ours
  std::optional<RateLimit> rate_limit;      // overrides the platform's default
  // The CAP statuses and scopes of the alerts this channel publishes. A public channel
  // (Actual, Public: the default) takes nothing else; a channel for drills takes
  // [Exercise, Test], one for authorities Actual alerts of scope [Restricted].
  std::vector<std::string> statuses{"Actual"};
  std::vector<std::string> scopes{"Public"};
  // What a cancel does to a published post (edit it to say so, remove it, or reply with a
  // notice) and how an update reaches it (edit it, or reply); nullopt: the platform's
  // default (default_on_cancel/default_on_update).
  std::optional<Action> on_cancel;
  std::optional<Action> on_update;
  // The zones this channel's configured targets serve (a hamlet's group): an alert with an
  // area reaches them only when it touches one. Empty: the whole territory. Subscribers
  // choose their own zones.
  std::vector<std::string> zones;

  bool takes(std::string_view status, std::string_view scope) const {
    auto has = [](const std::vector<std::string>& list, std::string_view v) {
      for (const auto& x : list) {
        if (x == v) return true;
      }
      return false;
    };
    return has(statuses, status) && has(scopes, scope);
  }
  bool is_public() const { return takes("Actual", "Public"); }
};

// Where a channel sends: an address, and the language its readers asked for.
struct Target {
  std::string address;   // a chat id, an account, a phone number
  std::string language;  // empty: the channel's default
};

struct Message {
  Message(std::string target_, std::string text_, int part_ = 1, int parts_ = 1,
          std::optional<std::string> previous_part_id_ = std::nullopt,
          Action action_ = Action::send, std::optional<std::string> subject_id_ = std::nullopt)
      : target(std::move(target_)),
        text(std::move(text_)),
        part(part_),
        parts(parts_),
        previous_part_id(std::move(previous_part_id_)),
        action(action_),
        subject_id(std::move(subject_id_)) {}

  std::string target;  // the platform's address
  std::string text;    // one part, rendered and escaped (or shaped) for the platform
  int part = 1;        // 1-based; a long alert is sent as parts 1..parts, in order
  int parts = 1;
  // The platform's id of the previous part, for platforms that thread replies (X).
  std::optional<std::string> previous_part_id;
  Action action = Action::send;
  std::optional<std::string> subject_id;  // the published post an edit/remove/reply acts on
  // Araldo's id for this delivery, for platforms that echo a tag back in their receipts
  // (WhatsApp's biz_opaque_callback_data): a receipt then finds its delivery by key.
  std::optional<long long> delivery_id;
  // The alert asks this subscriber to answer (with delivery_id): the platform's answer
  // buttons go with it, labelled in `language`.
  bool asks_ack = false;
  std::string language;
};

// The parts of one rendered text, in sending order, or why it cannot be sent.
using Split = std::variant<std::vector<std::string>, std::string>;

// A part's length as its platform counts it, and the platform's limit: what a preview
// shows an operator before sending.
struct PartLength {
  std::size_t length = 0;
  std::size_t limit = 0;
  std::string unit;  // "utf16_units", "weighted_characters", "characters"
};

class Channel {
 public:
  explicit Channel(ChannelSettings settings) : settings_(std::move(settings)) {}
  virtual ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const ChannelSettings& settings() const { return settings_; }
  const std::string& name() const { return settings_.name; }

  // Where an alert goes when the operator names this channel: the targets in the
  // configuration, or (subscribers() true) everyone subscribed to it in the database.
  virtual std::vector<Target> targets() const = 0;
  virtual bool subscribers() const { return false; }
  // Escapes an alert field for the platform's markup; templates call it for {{field}}.
  virtual std::string escape(std::string_view text) const = 0;
  // Cuts a rendered text (in `language`) into the messages the platform accepts, in
  // order; never inside markup. An error says why it cannot be sent at all.
  virtual Split split(std::string_view rendered, std::string_view language) const = 0;
  virtual OutgoingRequest build_request(const Message& message) const = 0;
  // A part split() made, measured as the platform will measure it.
  virtual PartLength measure(std::string_view part) const = 0;
  // True when a part is a JSON description of the message (a WhatsApp template), not text.
  virtual bool structured_parts() const { return false; }
  // Why text in `language` will not go out as asked (no approved template in it), if so.
  virtual std::optional<std::string> language_problem(std::string_view /*language*/) const {
    return std::nullopt;
  }
  virtual Outcome classify(const Answer& answer) const = 0;
  // For an alert that asks for answers: why a subscriber's message would go without the
  // answer buttons ("Sto bene", "Ho bisogno di aiuto"), or nothing when it carries them.
  // The preview warns with it, so nobody learns at 3 a.m. that nobody could press.
  virtual std::optional<std::string> answer_buttons_problem() const {
    return "the platform's messages carry no answer buttons";
  }

  // The actions this platform can take on a published post, and its defaults.
  virtual bool supports(Action action) const { return action == Action::send; }
  virtual Action default_on_cancel() const { return Action::reply; }
  virtual Action default_on_update() const { return Action::reply; }
  Action on_cancel() const { return settings_.on_cancel.value_or(default_on_cancel()); }
  Action on_update() const { return settings_.on_update.value_or(default_on_update()); }

  // Pacing: the whole channel's rate, and the least time between two messages to one
  // target (Telegram's per-chat limit, WhatsApp's pair rate).
  virtual RateLimit default_rate_limit() const = 0;
  virtual std::chrono::milliseconds target_interval(std::string_view /*target*/) const {
    return std::chrono::milliseconds(0);
  }
  RateLimit rate_limit() const { return settings_.rate_limit.value_or(default_rate_limit()); }

  // What the platform tells Araldo (receipts, citizens subscribing or leaving), when the
  // config enables it; nullptr otherwise.
  virtual const Inbound* inbound() const { return nullptr; }

 private:
  ChannelSettings settings_;
};

}  // namespace araldo::channels
