#include "channels/telegram/telegram_channel.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <regex>

#include "channels/base_url.hpp"
#include "channels/telegram/telegram_classify.hpp"
#include "channels/telegram/telegram_html.hpp"
#include "channels/telegram/telegram_inbound.hpp"
#include "channels/telegram/telegram_split.hpp"

namespace araldo::channels::telegram {
namespace {

struct Pacing {
  std::chrono::milliseconds private_chat{1000};  // about 1 message/s per chat
  std::chrono::milliseconds group{3000};         // 20 messages/min per group or channel
};

class TelegramChannel final : public Channel {
 public:
  TelegramChannel(ChannelSettings settings, std::string base_url, config::Secret token,
                  std::vector<Target> chats, bool disable_notification, bool paid_broadcast,
                  Pacing pacing)
      : Channel(std::move(settings)),
        base_url_(std::move(base_url)),
        token_(std::move(token)),
        chats_(std::move(chats)),
        disable_notification_(disable_notification),
        paid_broadcast_(paid_broadcast),
        pacing_(pacing) {}

  std::vector<Target> targets() const override { return chats_; }
  // Private chats that wrote /start, rather than configured chats.
  bool subscribers() const override { return subscription_; }
  // A private chat's alert carries inline answer buttons.
  std::optional<std::string> answer_buttons_problem() const override { return std::nullopt; }
  const Inbound* inbound() const override { return inbound_.get(); }

  void enable_subscription() { subscription_ = true; }
  void enable_inbound(InboundConfig config) {
    inbound_ =
        make_inbound(std::move(config), [this](const std::string& method, const std::string& body) {
          OutgoingRequest req;
          req.method = "POST";
          req.url = base_url_ + "/bot" + token_.reveal() + "/" + method;
          req.headers.set("Content-Type", "application/json");
          req.body = body;
          return req;
        });
  }

  std::string escape(std::string_view text) const override { return escape_html(text); }

  Split split(std::string_view text, std::string_view) const override {
    auto parsed = parse_html(text);
    if (auto* error = std::get_if<std::string>(&parsed))
      return "rendered text is invalid: " + *error;
    if (std::get<ParsedHtml>(parsed).plain.find_first_not_of(" \t\r\n") == std::string::npos) {
      return std::string("rendered text is empty");
    }
    return split_message(text, max_message_length);
  }

  PartLength measure(std::string_view part) const override {
    auto parsed = parse_html(part);
    const auto* ok = std::get_if<ParsedHtml>(&parsed);
    return {ok ? ok->utf16_units : part.size(), max_message_length, "utf16_units"};
  }

  // 30 messages/s per bot (shared/platforms.md); up to 1,000/s for a bot that pays for
  // paid broadcasts (0.1 Telegram Star a message, from the bot's balance).
  RateLimit default_rate_limit() const override {
    return paid_broadcast_ ? RateLimit{1000, 100} : RateLimit{30, 30};
  }

  std::chrono::milliseconds target_interval(std::string_view chat) const override {
    const bool private_chat = !chat.starts_with("@") && !chat.starts_with("-");
    return private_chat ? pacing_.private_chat : pacing_.group;
  }

  OutgoingRequest build_request(const Message& message) const override {
    boost::json::object body;
    // Numeric ids go as integers; "@channelname" as a string.
    long long numeric = 0;
    const auto& t = message.target;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), numeric);
    if (ec == std::errc() && end == t.data() + t.size()) {
      body["chat_id"] = numeric;
    } else {
      body["chat_id"] = t;
    }
    std::string method = "sendMessage";
    switch (message.action) {
      case Action::remove:  // the bot's own message, while Telegram still allows it
        method = "deleteMessage";
        body["message_id"] = message_id(*message.subject_id);
        break;
      case Action::edit:
        method = "editMessageText";
        body["message_id"] = message_id(*message.subject_id);
        break;
      case Action::reply:
        body["reply_parameters"] = {{"message_id", message_id(*message.subject_id)},
                                    {"allow_sending_without_reply", true}};
        break;
      case Action::send:
        break;
    }
    if (message.action != Action::remove) {
      body["text"] = message.text;
      body["parse_mode"] = "HTML";
    }
    if (message.asks_ack && message.delivery_id && message.action == Action::send) {
      // Araldo's tag in each button: the answer names its delivery (64 bytes at most).
      const bool italian = message.language.starts_with("it");
      const auto tag = "ack:" + std::to_string(*message.delivery_id);
      boost::json::array row;
      row.push_back(boost::json::object{{"text", italian ? "✅ Sto bene" : "✅ I am safe"},
                                        {"callback_data", tag + ":safe"}});
      row.push_back(
          boost::json::object{{"text", italian ? "🆘 Ho bisogno di aiuto" : "🆘 I need help"},
                              {"callback_data", tag + ":help"}});
      boost::json::array keyboard;
      keyboard.push_back(std::move(row));
      body["reply_markup"] = boost::json::object{{"inline_keyboard", std::move(keyboard)}};
    }
    if (disable_notification_ && message.action != Action::edit &&
        message.action != Action::remove) {
      body["disable_notification"] = true;
    }
    // New messages only: editMessageText and deleteMessage take no such field.
    if (paid_broadcast_ && (message.action == Action::send || message.action == Action::reply)) {
      body["allow_paid_broadcast"] = true;
    }

    OutgoingRequest req;
    req.method = "POST";
    req.url = base_url_ + "/bot" + token_.reveal() + "/" + method;
    req.headers.set("Content-Type", "application/json");
    req.body = boost::json::serialize(body);
    return req;
  }

  Outcome classify(const Answer& answer) const override { return classify_answer(answer); }

  // A published message can be edited (the default for a cancel: readers see it say
  // so), deleted (a bot's own, for 48 hours in groups), or answered with a reply.
  bool supports(Action) const override { return true; }
  Action default_on_cancel() const override { return Action::edit; }
  Action default_on_update() const override { return Action::reply; }

 private:
  static long long message_id(const std::string& id) {
    long long v = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
    if (ec != std::errc() || end != id.data() + id.size()) {
      throw std::runtime_error("not a Telegram message id: '" + id + "'");
    }
    return v;
  }

  std::string base_url_;
  config::Secret token_;
  std::vector<Target> chats_;
  bool subscription_ = false;
  std::unique_ptr<Inbound> inbound_;
  bool disable_notification_;
  bool paid_broadcast_;
  Pacing pacing_;
};

}  // namespace

std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section) {
  static const std::regex token_shape("[0-9]+:[A-Za-z0-9_-]{35}");
  static const std::regex chat_shape("@[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,20}");

  auto base_url = read_base_url(section, "https://api.telegram.org");
  auto token = section.secret("bot_token");
  if (!std::regex_match(token.reveal(), token_shape)) {
    // Never echo the value: it is a credential even when malformed.
    throw config::ConfigError(section.path() +
                              ".bot_token: not a bot token (expected <digits>:<35 characters>)");
  }
  const bool subscription = section.boolean("subscribers", false);
  auto chats = section.string_list("chats");
  if (subscription && !chats.empty()) {
    throw config::ConfigError(section.path() +
                              ".chats: a subscription channel sends to the private chats that "
                              "subscribed; list groups and channels in another channel");
  }
  if (chats.empty() && !subscription) {
    throw config::ConfigError(section.path() + ".chats: list at least one chat");
  }
  for (std::size_t i = 0; i < chats.size(); ++i) {
    if (!std::regex_match(chats[i], chat_shape)) {
      throw config::ConfigError(section.path() + ".chats[" + std::to_string(i) +
                                "]: expected a numeric chat id or @channelname, got '" + chats[i] +
                                "'");
    }
  }
  // Chats whose readers want another language than the channel's default.
  auto languages = section.section("chat_languages");
  std::vector<Target> targets;
  for (const auto& chat : chats) {
    targets.push_back({chat, languages.has(chat) ? languages.required_string(chat) : ""});
  }
  for (const auto& key : languages.keys()) {
    if (std::find(chats.begin(), chats.end(), key) == chats.end()) {
      throw config::ConfigError(languages.path() + "." + key + ": not one of the chats");
    }
  }
  languages.reject_unknown_keys();
  const bool disable_notification = section.boolean("disable_notification", false);
  // Paid broadcasts: up to 1,000 messages/s, each charged to the bot's Stars balance.
  const bool paid_broadcast = section.boolean("allow_paid_broadcast", false);
  Pacing pacing;
  pacing.private_chat = section.millis("private_chat_interval_ms", pacing.private_chat);
  pacing.group = section.millis("group_interval_ms", pacing.group);
  std::optional<InboundConfig> inbound;
  if (section.has("inbound")) {
    auto s = section.section("inbound");
    inbound = read_inbound_config(s, settings.language);
  }
  if (subscription && !inbound) {
    throw config::ConfigError(
        section.path() + ".inbound: a subscription channel needs it, to hear /start and /stop");
  }
  auto channel = std::make_unique<TelegramChannel>(std::move(settings), std::move(base_url),
                                                   std::move(token), std::move(targets),
                                                   disable_notification, paid_broadcast, pacing);
  if (subscription) channel->enable_subscription();
  if (inbound) channel->enable_inbound(std::move(*inbound));
  return channel;
}

}  // namespace araldo::channels::telegram
