#include "channels/telegram/telegram_channel.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <regex>

#include "channels/telegram/telegram_classify.hpp"
#include "channels/telegram/telegram_html.hpp"

namespace araldo::channels::telegram {
namespace {

class TelegramChannel final : public Channel {
 public:
  TelegramChannel(ChannelSettings settings, std::string base_url, config::Secret token,
                  std::vector<std::string> chats, bool disable_notification)
      : Channel(std::move(settings)),
        base_url_(std::move(base_url)),
        token_(std::move(token)),
        chats_(std::move(chats)),
        disable_notification_(disable_notification) {}

  std::vector<std::string> targets() const override { return chats_; }

  std::string escape(std::string_view text) const override { return escape_html(text); }

  std::optional<std::string> check_rendered(std::string_view text) const override {
    auto parsed = parse_html(text);
    if (auto* error = std::get_if<std::string>(&parsed))
      return "rendered text is invalid: " + *error;
    const auto& p = std::get<ParsedHtml>(parsed);
    if (p.plain.find_first_not_of(" \t\r\n") == std::string::npos) return "rendered text is empty";
    if (p.utf16_units > max_message_length) {
      return "rendered text is " + std::to_string(p.utf16_units) + " characters; Telegram takes " +
             std::to_string(max_message_length);
    }
    return std::nullopt;
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
    body["text"] = message.text;
    body["parse_mode"] = "HTML";
    if (disable_notification_) body["disable_notification"] = true;

    OutgoingRequest req;
    req.method = "POST";
    req.url = base_url_ + "/bot" + token_.reveal() + "/sendMessage";
    req.headers.set("Content-Type", "application/json");
    req.body = boost::json::serialize(body);
    return req;
  }

  Outcome classify(const Answer& answer) const override { return classify_answer(answer); }

 private:
  std::string base_url_;
  config::Secret token_;
  std::vector<std::string> chats_;
  bool disable_notification_;
};

std::string checked_base_url(config::Section& section) {
  auto url = section.optional_string("base_url", "https://api.telegram.org");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") ||
      parsed->host().empty()) {
    throw config::ConfigError(section.path() + ".base_url: must be an http(s) URL");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section) {
  static const std::regex token_shape("[0-9]+:[A-Za-z0-9_-]{35}");
  static const std::regex chat_shape("@[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,20}");

  auto base_url = checked_base_url(section);
  auto token = section.secret("bot_token");
  if (!std::regex_match(token.reveal(), token_shape)) {
    // Never echo the value: it is a credential even when malformed.
    throw config::ConfigError(section.path() +
                              ".bot_token: not a bot token (expected <digits>:<35 characters>)");
  }
  auto chats = section.string_list("chats");
  if (chats.empty()) throw config::ConfigError(section.path() + ".chats: list at least one chat");
  for (std::size_t i = 0; i < chats.size(); ++i) {
    if (!std::regex_match(chats[i], chat_shape)) {
      throw config::ConfigError(section.path() + ".chats[" + std::to_string(i) +
                                "]: expected a numeric chat id or @channelname, got '" + chats[i] +
                                "'");
    }
  }
  const bool disable_notification = section.boolean("disable_notification", false);
  return std::make_unique<TelegramChannel>(std::move(settings), std::move(base_url),
                                           std::move(token), std::move(chats),
                                           disable_notification);
}

}  // namespace araldo::channels::telegram
