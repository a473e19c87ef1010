#include "channels/telegram/telegram_inbound.hpp"

#include <boost/json.hpp>
#include <regex>

#include "channels/inbound/inbound_parts.hpp"

namespace araldo::channels::telegram {
namespace {

std::optional<long long> int_at(const boost::json::value& v,
                                std::initializer_list<const char*> path) {
  const auto* s = json_at(v, path);
  if (!s || !s->is_int64()) return std::nullopt;
  return s->as_int64();
}

class TelegramInbound final : public Inbound {
 public:
  TelegramInbound(InboundConfig config,
                  std::function<OutgoingRequest(const std::string&, const std::string&)> api)
      : config_(std::move(config)), api_(std::move(api)) {}

  Received receive(const http::Headers& headers, std::string_view body) const override {
    if (config_.polling || !config_.secret_token) {
      return Refusal{404, "not_configured", "this channel polls for updates; it takes no webhook"};
    }
    const auto token = headers.find("X-Telegram-Bot-Api-Secret-Token");
    if (!token) {
      return Refusal{401, "unsigned", "the X-Telegram-Bot-Api-Secret-Token header is missing"};
    }
    if (!same_secret(*token, config_.secret_token->reveal())) {
      return Refusal{403, "bad_signature", "the secret token is wrong"};
    }
    boost::system::error_code ec;
    const auto update = boost::json::parse(body, ec);
    if (ec || !update.is_object())
      return Refusal{400, "malformed", "the body is not a JSON object"};
    auto item = item_of(update);
    if (!item) return Refusal{400, "malformed", "/update_id: expected an integer"};
    return std::vector<InboundItem>{std::move(*item)};
  }

  InboundMeaning interpret(const InboundItem& item) const override {
    boost::system::error_code ec;
    const auto u = boost::json::parse(item.payload, ec);
    if (ec) return Ignored{"not JSON"};
    if (const auto* m = json_at(u, {"message"})) return message(*m);
    if (const auto* m = json_at(u, {"my_chat_member"})) return member(*m);
    if (const auto* c = json_at(u, {"callback_query"})) return press(*c);
    return Ignored{"not a message or a membership change"};
  }

  OutgoingRequest answer(const std::string& address, const std::string& text) const override {
    boost::json::object body{{"chat_id", std::stoll(address)}, {"text", text}};
    return api_("sendMessage", boost::json::serialize(body));
  }

  OutgoingRequest answer_with_buttons(const std::string& address, const std::string& text,
                                      const std::vector<Button>& buttons) const override {
    boost::json::array rows;
    for (const auto& b : buttons) {
      boost::json::array row;
      row.push_back(boost::json::object{{"text", b.label}, {"callback_data", b.data}});
      rows.push_back(std::move(row));
    }
    boost::json::object body{{"chat_id", std::stoll(address)},
                             {"text", text},
                             {"reply_markup", {{"inline_keyboard", std::move(rows)}}}};
    return api_("sendMessage", boost::json::serialize(body));
  }

  OutgoingRequest reply(const std::string& address, const std::string& text,
                        const std::string& quoted_id) const override {
    boost::json::object body{{"chat_id", std::stoll(address)}, {"text", text}};
    if (!quoted_id.empty()) {
      // Still sent if the citizen deleted their message meanwhile.
      body["reply_parameters"] = {{"message_id", std::stoll(quoted_id)},
                                  {"allow_sending_without_reply", true}};
    }
    return api_("sendMessage", boost::json::serialize(body));
  }

  std::optional<OutgoingRequest> answer_press(const std::string& press_id,
                                              const std::string& text) const override {
    boost::json::object body{{"callback_query_id", press_id}};
    if (!text.empty()) body["text"] = text;
    return api_("answerCallbackQuery", boost::json::serialize(body));
  }

  bool polls() const override { return config_.polling; }

  OutgoingRequest poll(long long offset, int timeout_seconds) const override {
    boost::json::object body{{"timeout", timeout_seconds},
                             {"limit", 100},
                             {"allowed_updates", {"message", "my_chat_member", "callback_query"}}};
    if (offset > 0) body["offset"] = offset;
    return api_("getUpdates", boost::json::serialize(body));
  }

  Received polled(const HttpReply& reply) const override {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(reply.body, ec);
    if (ec || !doc.is_object()) {
      return Refusal{502, "malformed", "getUpdates answered HTTP " + std::to_string(reply.status)};
    }
    const auto* ok = json_at(doc, {"ok"});
    if (reply.status != 200 || !ok || !ok->is_bool() || !ok->as_bool()) {
      return Refusal{static_cast<int>(reply.status), "refused",
                     "getUpdates: " + json_string(doc, {"description"})};
    }
    std::vector<InboundItem> items;
    if (const auto* result = json_at(doc, {"result"}); result && result->is_array()) {
      for (const auto& u : result->as_array()) {
        if (auto item = item_of(u)) items.push_back(std::move(*item));
      }
    }
    return items;
  }

  std::optional<OutgoingRequest> registration() const override {
    if (config_.polling) {
      // getUpdates answers 409 while a webhook is set; pending updates are kept.
      return api_("deleteWebhook", R"({"drop_pending_updates":false})");
    }
    if (!config_.webhook_url) return std::nullopt;  // the operator registers it
    boost::json::object body{{"url", *config_.webhook_url},
                             {"secret_token", config_.secret_token->reveal()},
                             {"allowed_updates", {"message", "my_chat_member", "callback_query"}}};
    return api_("setWebhook", boost::json::serialize(body));
  }

 private:
  static std::optional<InboundItem> item_of(const boost::json::value& update) {
    const auto id = int_at(update, {"update_id"});
    if (!id) return std::nullopt;
    // What the update is about carries its time: a message, or a change of membership.
    std::optional<long long> at;
    for (const char* what : {"message", "edited_message", "my_chat_member", "channel_post"}) {
      if ((at = int_at(update, {what, "date"}))) break;
    }
    if (!at) at = int_at(update, {"callback_query", "message", "date"});
    return InboundItem{"update", std::to_string(*id), boost::json::serialize(update), *id, at};
  }

  InboundMeaning message(const boost::json::value& m) const {
    if (json_string(m, {"chat", "type"}) != "private") return Ignored{"not a private chat"};
    const auto chat = int_at(m, {"chat", "id"});
    if (!chat || *chat <= 0) return Ignored{"no chat id"};
    const auto text = json_string(m, {"text"});
    // "/start", "/start@BotName", "/start payload"
    static const std::regex command(R"(/([A-Za-z0-9_]{1,32})(@[A-Za-z0-9_]+)?(?:\s+(\S+))?\s*)");
    std::smatch match;
    if (!text.starts_with("/")) {
      // Anything else the citizen writes is for the citizens' relations office.
      if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        return Ignored{"a message without text"};
      }
      const auto id = int_at(m, {"message_id"});
      return CitizenMessage{std::to_string(*chat), text, int_at(m, {"date"}).value_or(0),
                            id ? std::to_string(*id) : std::string()};
    }
    if (!std::regex_match(text, match, command)) return Ignored{"not a command"};
    const std::string name = match[1];
    SubscriptionChange change;
    change.address = std::to_string(*chat);
    change.at = int_at(m, {"date"}).value_or(0);
    change.evidence = text;
    if (name == "stop") {
      change.subscribe = false;
      change.language = language_for("", json_string(m, {"from", "language_code"}));
      change.confirmation =
          text_in(config_.unsubscribed_text, change.language, config_.default_language);
      change.confirmation_in = config_.unsubscribed_text;
      return change;
    }
    if (name != "start") return Ignored{"the command /" + name};
    change.subscribe = true;
    change.language = language_for(match[3].matched ? match[3].str() : "",
                                   json_string(m, {"from", "language_code"}));
    change.confirmation =
        text_in(config_.subscribed_text, change.language, config_.default_language);
    change.offer_zones = true;
    return change;
  }

  InboundMeaning member(const boost::json::value& m) const {
    if (json_string(m, {"chat", "type"}) != "private") return Ignored{"not a private chat"};
    const auto chat = int_at(m, {"chat", "id"});
    if (!chat || *chat <= 0) return Ignored{"no chat id"};
    if (json_string(m, {"new_chat_member", "status"}) != "kicked") {
      return Ignored{"unblocked: the user subscribes again with /start"};
    }
    SubscriptionChange change;
    change.address = std::to_string(*chat);
    change.at = int_at(m, {"date"}).value_or(0);
    change.evidence = "blocked the bot";
    change.kind = "blocked";
    return change;  // no answer: a blocked bot cannot write
  }

  // A button of an alert asking for an answer: "ack:<delivery>:safe" or ":help", pressed
  // in the private chat it was sent to.
  InboundMeaning press(const boost::json::value& c) const {
    static const std::regex data_shape("ack:([0-9]{1,18}):(safe|help)");
    static const std::regex zone_shape("zone:([a-z0-9][a-z0-9_-]{0,62})");
    const auto data = json_string(c, {"data"});
    const auto chat = int_at(c, {"message", "chat", "id"});
    const auto from = int_at(c, {"from", "id"});
    if (!chat || *chat <= 0 || from != chat) return Ignored{"not pressed in a private chat"};
    std::smatch m;
    if (std::regex_match(data, m, zone_shape)) {
      return ZoneChoice{std::to_string(*chat), m[1], json_string(c, {"id"}), data};
    }
    if (!std::regex_match(data, m, data_shape)) return Ignored{"not an answer button"};
    Acknowledgement a;
    a.address = std::to_string(*chat);
    a.delivery_id = std::stoll(m[1]);
    a.answer = m[2] == "safe" ? "safe" : "need_help";
    a.press_id = json_string(c, {"id"});
    a.evidence = data;
    const auto language = language_for("", json_string(c, {"from", "language_code"}));
    a.thanks =
        language == "it" ? "Grazie, risposta ricevuta." : "Thank you: your answer is recorded.";
    return a;
  }

  // A deep-link payload naming a language wins; then the app's language; then the default.
  std::string language_for(const std::string& payload, const std::string& app_language) const {
    if (config_.languages.contains(payload)) return payload;
    const auto primary = app_language.substr(0, app_language.find('-'));
    if (config_.languages.contains(primary)) return primary;
    return config_.default_language;
  }

  InboundConfig config_;
  std::function<OutgoingRequest(const std::string&, const std::string&)> api_;
};

}  // namespace

InboundConfig read_inbound_config(config::Section& section, std::string default_language) {
  InboundConfig c;
  const auto mode = section.optional_string("mode", "webhook");
  if (mode != "webhook" && mode != "polling") {
    throw config::ConfigError(section.path() + ".mode: expected webhook or polling, got '" + mode +
                              "'");
  }
  c.polling = mode == "polling";
  if (!c.polling) {
    auto secret = section.checking_secret("secret_token");
    static const std::regex shape("[A-Za-z0-9_-]{1,256}");
    if (!std::regex_match(secret.reveal(), shape)) {
      // Telegram refuses anything else (a bot token, with its ':', is a common mistake).
      throw config::ConfigError(section.path() +
                                ".secret_token: 1 to 256 characters A-Z a-z 0-9 _ -");
    }
    c.secret_token = std::move(secret);
    if (section.has("webhook_url")) c.webhook_url = section.required_string("webhook_url");
  }
  c.default_language = std::move(default_language);
  c.languages.insert(c.default_language);
  for (auto& l : section.string_list("languages")) c.languages.insert(l);
  auto confirmations = section.section("confirmations");
  c.subscribed_text = read_texts(
      confirmations, "subscribed",
      {{"it",
        "Iscrizione confermata: riceverai qui gli avvisi di protezione civile. Per cancellarti "
        "scrivi /stop."},
       {"en", "Subscribed: you will receive civil-protection alerts here. To stop, send /stop."}});
  c.unsubscribed_text = read_texts(
      confirmations, "unsubscribed",
      {{"it",
        "Non riceverai più gli avvisi di protezione civile. Per iscriverti di nuovo scrivi "
        "/start."},
       {"en",
        "You will no longer receive civil-protection alerts. To subscribe again, send "
        "/start."}});
  confirmations.reject_unknown_keys();
  section.reject_unknown_keys();
  return c;
}

std::unique_ptr<Inbound> make_inbound(
    InboundConfig config,
    std::function<OutgoingRequest(const std::string& method, const std::string& body)> api) {
  return std::make_unique<TelegramInbound>(std::move(config), std::move(api));
}

}  // namespace araldo::channels::telegram
