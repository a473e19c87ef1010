#include "channels/whatsapp/whatsapp_channel.hpp"

#include <boost/json.hpp>
#include <map>

#include "channels/graph/graph_api.hpp"
#include "channels/whatsapp/whatsapp_classify.hpp"
#include "channels/whatsapp/whatsapp_inbound.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::channels::whatsapp {
namespace {

// A body parameter's limit, and the filled template body's: the parameters together
// cannot be longer.
constexpr std::size_t max_parameter_length = 1024;

struct TemplateConfig {
  std::string name;
  int parameters = 0;
  std::map<std::string, std::string> languages;  // our language -> WhatsApp's code
  // The same template's approved twin with two quick-reply buttons ("Sto bene", "Ho bisogno
  // di aiuto"), sent when an alert asks for an answer; empty: none, the alert goes without.
  std::string with_answer_buttons;
};

class WhatsAppChannel final : public Channel {
 public:
  WhatsAppChannel(ChannelSettings settings, std::string base_url, std::string version,
                  std::string phone_number_id, config::Secret token,
                  std::optional<config::Secret> app_secret, TemplateConfig tmpl,
                  std::chrono::milliseconds pair_interval)
      : Channel(std::move(settings)),
        pair_interval_(pair_interval),
        base_url_(std::move(base_url)),
        version_(std::move(version)),
        phone_number_id_(std::move(phone_number_id)),
        token_(std::move(token)),
        app_secret_(std::move(app_secret)),
        template_(std::move(tmpl)),
        messages_url_(messages_url()) {}

  std::vector<Target> targets() const override { return {}; }
  bool subscribers() const override { return true; }
  // The buttons come with a second approved template, the alert's twin.
  std::optional<std::string> answer_buttons_problem() const override {
    if (!template_.with_answer_buttons.empty()) return std::nullopt;
    return "template.with_answer_buttons is not set: the alert goes to its subscribers "
           "without answer buttons, so they can only write back";
  }

  // A parameter may not hold new lines, tabs or more than four spaces in a row: the
  // template's lines are its parameters, so a field's own line breaks become spaces.
  std::string escape(std::string_view text) const override {
    std::string out;
    for (char c : text) {
      const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
      if (space) {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += c;
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  // One message: the template's name, its language and the rendered lines as parameters.
  Split split(std::string_view rendered, std::string_view language) const override {
    auto code = template_.languages.find(std::string(language));
    if (code == template_.languages.end()) code = template_.languages.find(settings().language);
    boost::json::array parameters;
    std::size_t start = 0;
    std::size_t total_length = 0;
    int line_no = 0;
    while (start <= rendered.size()) {
      auto end = rendered.find('\n', start);
      if (end == std::string_view::npos) end = rendered.size();
      const auto line = rendered.substr(start, end - start);
      start = end + 1;
      ++line_no;
      if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return "template line " + std::to_string(line_no) +
               " is empty; WhatsApp refuses an empty parameter (give it a fallback)";
      }
      std::size_t length = 0;
      text::for_each_code_point(line, [&](char32_t) { ++length; });
      if (length > max_parameter_length) {
        return "parameter " + std::to_string(line_no) + " is " + std::to_string(length) +
               " characters; WhatsApp takes " + std::to_string(max_parameter_length);
      }
      total_length += length;
      parameters.emplace_back(line);
    }
    if (total_length > max_parameter_length) {
      return "the parameters hold " + std::to_string(total_length) +
             " characters; a WhatsApp template body takes " + std::to_string(max_parameter_length) +
             " once filled";
    }
    if (static_cast<int>(parameters.size()) != template_.parameters) {
      return "the template renders " + std::to_string(parameters.size()) +
             " parameters (one per line); '" + template_.name + "' takes " +
             std::to_string(template_.parameters);
    }
    boost::json::object message{{"name", template_.name},
                                {"language", code->second},
                                {"parameters", std::move(parameters)}};
    return std::vector<std::string>{boost::json::serialize(message)};
  }

  // A template message: its parameters' characters, against the filled body's limit.
  PartLength measure(std::string_view part) const override {
    std::size_t length = 0;
    boost::system::error_code ec;
    const auto shaped = boost::json::parse(part, ec);
    if (!ec && shaped.is_object() && shaped.as_object().contains("parameters")) {
      for (const auto& p : shaped.at("parameters").as_array()) {
        if (p.is_string()) text::for_each_code_point(p.as_string(), [&](char32_t) { ++length; });
      }
    }
    return {length, max_parameter_length, "characters"};
  }
  bool structured_parts() const override { return true; }
  // A message cannot be recalled: a cancel or an update is a new template message (the
  // notice) to the same number.
  bool supports(Action action) const override {
    return action == Action::send || action == Action::reply;
  }
  std::optional<std::string> language_problem(std::string_view language) const override {
    if (template_.languages.contains(std::string(language))) return std::nullopt;
    return "template '" + template_.name + "' is not mapped to an approved language for '" +
           std::string(language) + "'; the channel's language '" + settings().language +
           "' is used";
  }

  // 80 messages/s per business number by default (shared/platforms.md).
  RateLimit default_rate_limit() const override { return {80, 80}; }
  // Pair rate: about one message every 6 s to the same recipient (pair_interval_ms).
  std::chrono::milliseconds target_interval(std::string_view) const override {
    return pair_interval_;
  }

  OutgoingRequest build_request(const Message& message) const override {
    const auto shaped = boost::json::parse(message.text).as_object();
    boost::json::array parameters;
    for (const auto& p : shaped.at("parameters").as_array()) {
      parameters.push_back({{"type", "text"}, {"text", p}});
    }
    boost::json::object body{
        {"messaging_product", "whatsapp"},
        {"recipient_type", "individual"},
        {"to", message.target},
        {"type", "template"},
        {"template",
         {{"name", shaped.at("name")},
          {"language", {{"code", shaped.at("language")}}},
          {"components", {{{"type", "body"}, {"parameters", std::move(parameters)}}}}}}};
    // Echoed in every status webhook about this message: how its receipt finds it.
    if (message.delivery_id)
      body["biz_opaque_callback_data"] = std::to_string(*message.delivery_id);
    if (message.asks_ack && message.delivery_id && !template_.with_answer_buttons.empty()) {
      // Each button's payload names the delivery; the press comes back as a "button"
      // message carrying it.
      auto& t = body["template"].as_object();
      t["name"] = template_.with_answer_buttons;
      auto& components = t["components"].as_array();
      const auto tag = "ack:" + std::to_string(*message.delivery_id);
      int index = 0;
      for (const char* answer : {":safe", ":help"}) {
        components.push_back({{"type", "button"},
                              {"sub_type", "quick_reply"},
                              {"index", std::to_string(index++)},
                              {"parameters", {{{"type", "payload"}, {"payload", tag + answer}}}}});
      }
    }
    return request(body);
  }

  Outcome classify(const Answer& answer) const override { return classify_answer(answer); }

  const Inbound* inbound() const override { return inbound_.get(); }
  void enable_inbound(InboundConfig config) {
    Senders send;
    send.text = [this](const std::string& to, const std::string& text, const std::string& context) {
      boost::json::object body{{"messaging_product", "whatsapp"},
                               {"recipient_type", "individual"},
                               {"to", to},
                               {"type", "text"},
                               {"text", {{"preview_url", false}, {"body", text}}}};
      if (!context.empty()) body["context"] = {{"message_id", context}};
      return request(body);
    };
    if (config.reply_template) {
      send.reply_template = [this, t = *config.reply_template](const std::string& to,
                                                               const std::string& text) {
        // One body parameter: the operator's text, flattened as template parameters must be.
        boost::json::array parameters{{{"type", "text"}, {"text", escape(text)}}};
        return request(
            {{"messaging_product", "whatsapp"},
             {"recipient_type", "individual"},
             {"to", to},
             {"type", "template"},
             {"template",
              {{"name", t.name},
               {"language", {{"code", t.language}}},
               {"components", {{{"type", "body"}, {"parameters", std::move(parameters)}}}}}}});
      };
    }
    inbound_ = make_inbound(std::move(config), std::move(send));
  }

 private:
  // The same for every message: made once, not an HMAC per message (4 % of araldod's CPU
  // in a fan-out).
  std::string messages_url() const {
    auto url = base_url_ + "/" + version_ + "/" + phone_number_id_ + "/messages";
    if (app_secret_) {
      url += "?appsecret_proof=" + graph::appsecret_proof(app_secret_->reveal(), token_.reveal());
    }
    return url;
  }

  OutgoingRequest request(const boost::json::object& body) const {
    OutgoingRequest req;
    req.method = "POST";
    req.url = messages_url_;
    req.headers.set("Authorization", "Bearer " + token_.reveal());
    req.headers.set("Content-Type", "application/json");
    req.body = boost::json::serialize(body);
    return req;
  }

  std::chrono::milliseconds pair_interval_;
  std::unique_ptr<Inbound> inbound_;
  std::string base_url_;
  std::string version_;
  std::string phone_number_id_;
  config::Secret token_;
  std::optional<config::Secret> app_secret_;
  TemplateConfig template_;
  std::string messages_url_;
};

}  // namespace

std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section) {
  auto c = graph::read_config(section, "phone_number_id", "access_token");
  auto t = section.section("template");
  TemplateConfig tmpl;
  tmpl.name = t.required_string("name");
  tmpl.parameters = static_cast<int>(t.integer("parameters", 4, 0, 100));
  tmpl.with_answer_buttons = t.optional_string("with_answer_buttons", "");
  auto languages = t.section("languages");
  for (const auto& ours : languages.keys()) {
    tmpl.languages[ours] = languages.required_string(ours);
  }
  languages.reject_unknown_keys();
  t.reject_unknown_keys();
  if (!tmpl.languages.contains(settings.language)) {
    throw config::ConfigError(t.path() + ".languages: must map the channel's language '" +
                              settings.language + "' to an approved template language");
  }
  std::optional<InboundConfig> inbound;
  if (section.has("inbound")) {
    auto s = section.section("inbound");
    if (!c.app_secret) {
      // The app secret is the webhook's only authentication.
      throw config::ConfigError(s.path() +
                                ": needs the channel's app_secret, which signs webhooks");
    }
    inbound = read_inbound_config(s, *c.app_secret, c.object_id, settings.language);
  }
  const auto pair_interval = section.millis("pair_interval_ms", std::chrono::milliseconds(6000));
  auto channel = std::make_unique<WhatsAppChannel>(
      std::move(settings), std::move(c.base_url), std::move(c.version), std::move(c.object_id),
      std::move(c.token), std::move(c.app_secret), std::move(tmpl), pair_interval);
  if (inbound) channel->enable_inbound(std::move(*inbound));
  return channel;
}

}  // namespace araldo::channels::whatsapp
