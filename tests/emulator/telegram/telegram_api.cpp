#include "tests/emulator/telegram/telegram_api.hpp"

#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>
#include <regex>

#include "tests/emulator/crypto/emulator_crypto.hpp"
#include "tests/emulator/telegram/bot_html.hpp"
#include "tests/emulator/webhook_sender.hpp"

namespace araldo::emulator::telegram {
namespace {

http::Response bot_error(int code, const std::string& description,
                         std::optional<long long> retry_after = std::nullopt) {
  boost::json::object o{{"ok", false}, {"error_code", code}, {"description", description}};
  if (retry_after) o["parameters"] = {{"retry_after", *retry_after}};
  return http::Response::json(code, boost::json::serialize(o));
}

std::string chat_type(const std::string& chat) {
  if (chat.starts_with("@") || chat.starts_with("-100")) return "channel";
  if (chat.starts_with("-")) return "group";
  return "private";
}

// The request's parameters, from a JSON or a form-encoded body, as strings.
std::optional<std::map<std::string, std::string>> read_params(const http::Request& req,
                                                              std::string& error) {
  std::map<std::string, std::string> params;
  const auto type = std::string(req.headers.find("Content-Type").value_or(""));
  if (type.starts_with("application/json")) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(req.body, ec);
    if (ec || !doc.is_object()) {
      error = "Bad Request: can't parse JSON object";
      return std::nullopt;
    }
    for (const auto& kv : doc.as_object()) {
      const auto& v = kv.value();
      params[std::string(kv.key())] =
          v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
    }
  } else if (type.starts_with("application/x-www-form-urlencoded") || req.body.empty()) {
    // HTML forms encode a space as '+'; a literal plus arrives as %2B.
    std::string body = req.body;
    std::string spaced;
    for (char c : body) spaced += c == '+' ? std::string("%20") : std::string(1, c);
    auto query = boost::urls::parse_query(spaced);
    if (!query) {
      error = "Bad Request: can't parse form parameters";
      return std::nullopt;
    }
    for (const auto& p : *query) {
      const auto key = *p.key;
      const auto value = *p.value;
      params[std::string(key.begin(), key.end())] = std::string(value.begin(), value.end());
    }
  } else {
    error = "Bad Request: unsupported Content-Type";
    return std::nullopt;
  }
  return params;
}

}  // namespace

TelegramApi::TelegramApi(Options options, EmulatorState& state)
    : options_(std::move(options)), state_(state) {}

std::optional<http::Response> TelegramApi::handle(const http::Request& request) {
  static const std::regex bot_path("/bot([^/]*)/([A-Za-z]+)");
  std::smatch m;
  const std::string path(request.path());
  if (!std::regex_match(path, m, bot_path)) return std::nullopt;
  const std::string token = m[1];
  const std::string method = m[2];

  return state_.answer(
      "telegram",
      [](const Fault& fault) {
        const int s = *fault.status;
        const long long wait = fault.retry_after.value_or(1);
        return bot_error(s,
                         fault.description.value_or(s == 429 ? "Too Many Requests: retry after " +
                                                                   std::to_string(wait)
                                                    : s == 401 ? "Unauthorized"
                                                    : s >= 500 ? "Internal Server Error"
                                                               : "Bad Request"),
                         s == 429 ? std::optional<long long>(wait) : std::nullopt);
      },
      [&] {
        if (!options_.tokens.contains(token) || state_.revoked("telegram")) {
          return bot_error(401, "Unauthorized");
        }
        if (method == "sendMessage") return send_message(token, request);
        if (method == "answerCallbackQuery") return answer_callback(request);
        if (method == "setWebhook") return set_webhook(token, request);
        if (method == "deleteWebhook") return delete_webhook(token, request);
        if (method == "getUpdates") return get_updates(token, request);
        if (method == "editMessageText" || method == "deleteMessage") {
          return edit_or_delete(method, request);
        }
        return bot_error(404, "Not Found");
      });
}

http::Response TelegramApi::set_webhook(const std::string& token, const http::Request& request) {
  std::string error;
  auto params = read_params(request, error);
  if (!params) return bot_error(400, error);
  const auto url = (*params)["url"];
  const auto secret = params->contains("secret_token") ? (*params)["secret_token"] : "";
  if (!secret.empty()) {
    if (secret.size() > 256) return bot_error(400, "Bad Request: secret token is too long");
    static const std::regex allowed("[A-Za-z0-9_-]+");
    if (!std::regex_match(secret, allowed)) {
      return bot_error(400, "Bad Request: secret token contains unallowed characters");
    }
  }
  if (!url.empty()) {
    // Telegram wants HTTPS on 443, 80, 88 or 8443; the emulator also takes plain HTTP on
    // loopback, where the tests' daemon listens.
    static const std::regex https(R"(https://[^/:]+(:(443|80|88|8443))?(/.*)?)");
    static const std::regex loopback(R"(http://127\.0\.0\.1:[0-9]+(/.*)?)");
    if (!std::regex_match(url, https) && !std::regex_match(url, loopback)) {
      return bot_error(400,
                       "Bad Request: bad webhook: Webhook can be set up only on ports 80, "
                       "88, 443 or 8443");
    }
  }
  {
    std::lock_guard lock(mutex_);
    auto& bot = bots_[token];
    bot.webhook_url = url;
    bot.secret_token = secret;
    ++bot.poll_generation;
  }
  updates_changed_.notify_all();
  state_.record("telegram", {{"method", "setWebhook"}, {"url", url}}, request.received_at);
  return http::Response::json(200, R"({"ok":true,"result":true,"description":"Webhook was set"})");
}

http::Response TelegramApi::delete_webhook(const std::string& token, const http::Request& request) {
  std::string error;
  auto params = read_params(request, error);
  if (!params) return bot_error(400, error);
  {
    std::lock_guard lock(mutex_);
    auto& bot = bots_[token];
    bot.webhook_url.clear();
    bot.secret_token.clear();
    if ((*params)["drop_pending_updates"] == "true") bot.pending.clear();
  }
  state_.record("telegram", {{"method", "deleteWebhook"}}, request.received_at);
  return http::Response::json(200,
                              R"({"ok":true,"result":true,"description":"Webhook was deleted"})");
}

http::Response TelegramApi::get_updates(const std::string& token, const http::Request& request) {
  std::string error;
  auto params = read_params(request, error);
  if (!params) return bot_error(400, error);
  const auto number = [&](const char* k, long long fallback) {
    const auto it = params->find(k);
    return it == params->end() || it->second.empty() ? fallback : std::stoll(it->second);
  };
  const long long offset = number("offset", 0);
  const long long limit = std::clamp(number("limit", 100), 1LL, 100LL);
  const long long timeout = std::clamp(number("timeout", 0), 0LL, 50LL);
  std::unique_lock lock(mutex_);
  auto& bot = bots_[token];
  if (!bot.webhook_url.empty()) {
    return bot_error(409,
                     "Conflict: can't use getUpdates method while webhook is active; use "
                     "deleteWebhook to delete the webhook first");
  }
  const long long generation = ++bot.poll_generation;
  updates_changed_.notify_all();
  // An offset confirms every update before it.
  while (!bot.pending.empty() && bot.pending.front().at("update_id").as_int64() < offset) {
    bot.pending.pop_front();
  }
  updates_changed_.wait_for(lock, std::chrono::seconds(timeout), [&] {
    return !bot.pending.empty() || bot.poll_generation != generation;
  });
  if (bot.poll_generation != generation) {
    return bot_error(409,
                     "Conflict: terminated by other getUpdates request; make sure that only "
                     "one bot instance is running");
  }
  boost::json::array result;
  for (const auto& u : bot.pending) {
    if (static_cast<long long>(result.size()) >= limit) break;
    result.push_back(u);
  }
  return http::Response::json(200, boost::json::serialize(boost::json::object{
                                       {"ok", true}, {"result", std::move(result)}}));
}

std::optional<http::Response> TelegramApi::control(const http::Request& request) {
  if (request.path() != "/_emulator/telegram/updates" || request.method != "POST") {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto doc = boost::json::parse(request.body, ec);
  if (ec || !doc.is_object()) {
    return http::Response::json(400, R"({"ok":false,"error":"expected a JSON object"})");
  }
  const auto& how = doc.as_object();
  const auto get = [&](const char* k) -> const boost::json::value* { return how.if_contains(k); };
  std::string token = *options_.tokens.begin();
  if (const auto* t = get("token"); t && t->is_string()) token = std::string(t->as_string());
  const auto* chat_v = get("chat_id");
  if (!chat_v || !chat_v->is_int64() || chat_v->as_int64() <= 0) {
    return http::Response::json(400, R"({"ok":false,"error":"chat_id: a user id"})");
  }
  const long long chat = chat_v->as_int64();
  const boost::json::object user{
      {"id", chat},
      {"is_bot", false},
      {"first_name", "Cittadino"},
      {"language_code", get("language_code") && get("language_code")->is_string()
                            ? get("language_code")->as_string()
                            : "it"}};
  const boost::json::object chat_obj{
      {"id", chat}, {"first_name", "Cittadino"}, {"type", "private"}};
  const long long now = unix_millis() / 1000;
  const bool blocks = get("blocked") && get("blocked")->is_bool() && get("blocked")->as_bool();
  boost::json::object update;
  std::string url, secret;
  long long update_id = 0;
  {
    std::lock_guard lock(mutex_);
    auto& bot = bots_[token];
    update_id = bot.next_update_id++;
    update["update_id"] = update_id;
    if (const auto* press = get("press"); press && press->is_object()) {
      // A button pressed on a message the bot sent to this user.
      const auto* id = press->as_object().if_contains("message_id");
      const auto* data = press->as_object().if_contains("data");
      const auto sent =
          id && id->is_int64() ? sent_.find({std::to_string(chat), id->as_int64()}) : sent_.end();
      if (sent == sent_.end() || !data || !data->is_string()) {
        return http::Response::json(400, R"({"ok":false,"error":"press: no such message"})");
      }
      const std::string d(data->as_string());
      const bool tampered =
          get("tampered") && get("tampered")->is_bool() && get("tampered")->as_bool();
      if (!sent->second.buttons.contains(d) && !tampered) {
        return http::Response::json(400, R"({"ok":false,"error":"press: no such button"})");
      }
      const auto press_id = std::to_string(chat) + "-" + std::to_string(update_id);
      open_presses_.insert(press_id);
      update["callback_query"] = {{"id", press_id},
                                  {"from", user},
                                  {"message",
                                   {{"message_id", id->as_int64()},
                                    {"chat", chat_obj},
                                    {"date", now},
                                    {"text", sent->second.text}}},
                                  {"chat_instance", "ci-" + std::to_string(chat)},
                                  {"data", d}};
    } else if (blocks) {
      blocked_.insert(std::to_string(chat));
      update["my_chat_member"] = {
          {"chat", chat_obj},
          {"from", user},
          {"date", now},
          {"old_chat_member", {{"user", {{"id", 1}, {"is_bot", true}}}, {"status", "member"}}},
          {"new_chat_member",
           {{"user", {{"id", 1}, {"is_bot", true}}}, {"status", "kicked"}, {"until_date", 0}}}};
    } else {
      const std::string text =
          get("text") && get("text")->is_string() ? std::string(get("text")->as_string()) : "";
      started_.insert(std::to_string(chat));
      blocked_.erase(std::to_string(chat));
      // The chat's messages share one sequence of ids, the citizen's and the bot's: a
      // reply may quote either.
      const auto message_id = ++next_message_id_[std::to_string(chat)];
      sent_[{std::to_string(chat), message_id}] = {text};
      boost::json::object message{{"message_id", message_id},
                                  {"from", user},
                                  {"chat", chat_obj},
                                  {"date", now},
                                  {"text", text}};
      if (text.starts_with("/")) {
        const auto end = text.find(' ');
        message["entities"] = {{{"offset", 0},
                                {"length", end == std::string::npos ? text.size() : end},
                                {"type", "bot_command"}}};
      }
      update["message"] = std::move(message);
    }
    url = bot.webhook_url;
    secret = bot.secret_token;
    if (url.empty()) bot.pending.push_back(update);
  }
  if (url.empty()) {
    updates_changed_.notify_all();
    return http::Response::json(200, boost::json::serialize(boost::json::object{
                                         {"update_id", update_id}, {"queued", true}}));
  }
  http::Headers headers;
  headers.set("Content-Type", "application/json");
  const bool forge = get("forge") && get("forge")->is_bool() && get("forge")->as_bool();
  if (!secret.empty()) {
    headers.set("X-Telegram-Bot-Api-Secret-Token", forge ? secret + "x" : secret);
  }
  const int attempts = get("attempts") && get("attempts")->is_int64()
                           ? static_cast<int>(get("attempts")->as_int64())
                           : 5;
  const auto body = boost::json::serialize(update);
  auto answers = post_webhook(url, headers, body, attempts);
  if (get("duplicate") && get("duplicate")->is_bool() && get("duplicate")->as_bool()) {
    const auto again = post_webhook(url, headers, body, attempts);
    answers.insert(answers.end(), again.begin(), again.end());
  }
  boost::json::array a;
  for (int s : answers) a.push_back(s);
  return http::Response::json(200, boost::json::serialize(boost::json::object{
                                       {"update_id", update_id}, {"answers", std::move(a)}}));
}

std::variant<std::set<std::string>, std::string> TelegramApi::read_keyboard(
    const std::string& json) {
  boost::system::error_code ec;
  const auto markup = boost::json::parse(json, ec);
  const auto* rows =
      !ec && markup.is_object() ? markup.as_object().if_contains("inline_keyboard") : nullptr;
  if (!rows || !rows->is_array()) {
    return std::string("Bad Request: can't parse reply keyboard markup JSON object");
  }
  std::set<std::string> out;
  for (const auto& row : rows->as_array()) {
    if (!row.is_array())
      return std::string(
          "Bad Request: field \"inline_keyboard\" of the "
          "InlineKeyboardMarkup should be an Array of Arrays");
    for (const auto& b : row.as_array()) {
      const auto* text = b.is_object() ? b.as_object().if_contains("text") : nullptr;
      if (!text || !text->is_string() || text->as_string().empty()) {
        return std::string(
            "Bad Request: can't parse inline keyboard button: Text buttons are "
            "unallowed in the inline keyboard");
      }
      const auto* data = b.as_object().if_contains("callback_data");
      const auto* url = b.as_object().if_contains("url");
      if (!data == !url) {
        return std::string(
            "Bad Request: can't parse inline keyboard button: exactly one of "
            "callback_data and url is expected");
      }
      if (data) {
        if (!data->is_string() || data->as_string().empty() || data->as_string().size() > 64) {
          return std::string("Bad Request: BUTTON_DATA_INVALID");
        }
        out.insert(std::string(data->as_string()));
      }
    }
  }
  return out;
}

http::Response TelegramApi::answer_callback(const http::Request& request) {
  std::string error;
  auto params = read_params(request, error);
  if (!params) return bot_error(400, error);
  const auto id = (*params)["callback_query_id"];
  const auto text = params->contains("text") ? (*params)["text"] : "";
  {
    std::lock_guard lock(mutex_);
    if (!open_presses_.erase(id)) {
      return bot_error(400,
                       "Bad Request: query is too old and response timeout expired or query ID "
                       "is invalid");
    }
  }
  if (text.size() > 200) return bot_error(400, "Bad Request: MESSAGE_TOO_LONG");
  state_.record("telegram",
                {{"method", "answerCallbackQuery"}, {"callback_query_id", id}, {"text", text}},
                request.received_at);
  return http::Response::json(200, R"({"ok":true,"result":true})");
}

std::optional<long long> TelegramApi::throttle(const std::string& token, const std::string& chat,
                                               bool paid, TokenBucket::Clock::time_point now) {
  if (!options_.rate_limits) return std::nullopt;
  std::lock_guard lock(mutex_);
  const double overall = paid ? options_.paid_per_second : options_.global_per_second;
  auto& global =
      buckets_.try_emplace((paid ? "paid:" : "bot:") + token, overall, overall).first->second;
  const bool is_private = chat_type(chat) == "private";
  const double rate = is_private ? options_.private_per_second : options_.group_per_minute / 60.0;
  const double burst = is_private ? 3.0 : options_.group_per_minute;
  auto& per_chat = buckets_.try_emplace("chat:" + token + ":" + chat, rate, burst).first->second;
  auto wait = std::max(global.take(now), per_chat.take(now));
  if (wait.count() == 0) return std::nullopt;
  return std::max<long long>(1, (wait.count() + 999) / 1000);
}

http::Response TelegramApi::send_message(const std::string& token, const http::Request& request) {
  std::string error;
  auto params = read_params(request, error);
  if (!params) return bot_error(400, error);

  const auto chat = (*params)["chat_id"];
  static const std::regex chat_shape("@[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,20}");
  if (chat.empty()) return bot_error(400, "Bad Request: chat_id is empty");
  bool started = false, blocked = false;
  {
    std::lock_guard lock(mutex_);
    started = started_.contains(chat);
    blocked = blocked_.contains(chat);
  }
  if (!std::regex_match(chat, chat_shape) ||
      (!options_.chats.empty() && !options_.chats.contains(chat) && !started)) {
    return bot_error(400, "Bad Request: chat not found");
  }
  if (blocked) return bot_error(403, "Forbidden: bot was blocked by the user");
  if (auto moved = options_.migrated_chats.find(chat); moved != options_.migrated_chats.end()) {
    boost::json::object o{
        {"ok", false},
        {"error_code", 400},
        {"description", "Bad Request: group chat was upgraded to a supergroup chat"},
        {"parameters", {{"migrate_to_chat_id", moved->second}}}};
    return http::Response::json(400, boost::json::serialize(o));
  }
  if (options_.blocked_chats.contains(chat)) {
    return bot_error(403, "Forbidden: bot was blocked by the user");
  }

  const auto& text = (*params)["text"];
  const auto parse_mode = params->contains("parse_mode") ? (*params)["parse_mode"] : "";
  std::variant<VisibleText, std::string> read;
  if (parse_mode == "HTML") {
    read = read_bot_html(text);
  } else if (parse_mode.empty()) {
    read = read_plain(text);
  } else {
    return bot_error(400, "Bad Request: unsupported parse_mode");
  }
  if (auto* e = std::get_if<std::string>(&read)) return bot_error(400, *e);
  const auto& visible = std::get<VisibleText>(read);
  const std::string& plain = visible.text;
  if (plain.find_first_not_of(" \t\r\n") == std::string::npos) {
    return bot_error(400, "Bad Request: message text is empty");
  }
  if (visible.utf16_length > max_text_length) {
    return bot_error(400, "Bad Request: message is too long");
  }
  // Only a JSON true (or "true" in a form) asks for it; anything else is refused, as a
  // Bot API field of type Boolean is.
  bool paid = false;
  if (params->contains("allow_paid_broadcast")) {
    const auto& v = (*params)["allow_paid_broadcast"];
    if (v != "true" && v != "false") {
      return bot_error(400, "Bad Request: field \"allow_paid_broadcast\" must be of type Boolean");
    }
    paid = v == "true";
  }
  if (auto retry_after = throttle(token, chat, paid, request.received_at)) {
    return bot_error(429, "Too Many Requests: retry after " + std::to_string(*retry_after),
                     retry_after);
  }

  std::set<std::string> buttons;
  if (params->contains("reply_markup")) {
    auto keyboard = read_keyboard((*params)["reply_markup"]);
    if (auto* e = std::get_if<std::string>(&keyboard)) return bot_error(400, *e);
    buttons = std::get<std::set<std::string>>(keyboard);
  }
  std::optional<long long> reply_to;
  if (params->contains("reply_parameters")) {
    boost::system::error_code ec;
    const auto rp = boost::json::parse((*params)["reply_parameters"], ec);
    const auto* id = !ec && rp.is_object() ? rp.as_object().if_contains("message_id") : nullptr;
    if (!id || !id->is_int64()) {
      return bot_error(400, "Bad Request: invalid reply_parameters");
    }
    reply_to = id->as_int64();
    const auto* lenient = rp.as_object().if_contains("allow_sending_without_reply");
    std::lock_guard lock(mutex_);
    const auto it = sent_.find({chat, *reply_to});
    if ((it == sent_.end() || it->second.deleted) &&
        !(lenient && lenient->is_bool() && lenient->as_bool())) {
      return bot_error(400, "Bad Request: message to be replied not found");
    }
  }
  long long message_id = 0;
  {
    std::lock_guard lock(mutex_);
    message_id = ++next_message_id_[chat];
    sent_[{chat, message_id}] = {plain, false, buttons};
  }
  const auto bot_id = token.substr(0, token.find(':'));
  boost::json::object recorded{
      {"method", "sendMessage"},  {"bot_id", bot_id}, {"chat_id", chat},
      {"message_id", message_id}, {"text", text},     {"parse_mode", parse_mode},
      {"plain_text", plain}};
  if (reply_to) recorded["reply_to_message_id"] = *reply_to;
  if (paid) recorded["allow_paid_broadcast"] = true;  // 0.1 Star charged
  if (params->contains("reply_markup")) {
    recorded["reply_markup"] = boost::json::parse((*params)["reply_markup"]);
  }
  state_.record("telegram", std::move(recorded), request.received_at);

  boost::json::object chat_obj{{"id", chat}, {"type", chat_type(chat)}};
  const auto now_s = unix_millis() / 1000;
  boost::json::object result{
      {"message_id", message_id}, {"date", now_s}, {"chat", chat_obj}, {"text", plain}};
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{{"ok", true}, {"result", result}}));
}

http::Response TelegramApi::edit_or_delete(const std::string& method,
                                           const http::Request& request) {
  std::string error;
  auto params = read_params(request, error);
  if (!params) return bot_error(400, error);
  const auto chat = (*params)["chat_id"];
  long long message_id = 0;
  try {
    message_id = std::stoll((*params)["message_id"]);
  } catch (...) {
    return bot_error(400, "Bad Request: message identifier is not specified");
  }
  std::string plain;
  if (method == "editMessageText") {
    const auto parse_mode = params->contains("parse_mode") ? (*params)["parse_mode"] : "";
    auto read =
        parse_mode == "HTML" ? read_bot_html((*params)["text"]) : read_plain((*params)["text"]);
    if (auto* e = std::get_if<std::string>(&read)) return bot_error(400, *e);
    const auto& visible = std::get<VisibleText>(read);
    if (visible.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return bot_error(400, "Bad Request: message text is empty");
    }
    if (visible.utf16_length > max_text_length) {
      return bot_error(400, "Bad Request: message is too long");
    }
    plain = visible.text;
  }
  {
    std::lock_guard lock(mutex_);
    const auto it = sent_.find({chat, message_id});
    const bool editing = method == "editMessageText";
    if (it == sent_.end() || it->second.deleted) {
      return bot_error(400, editing ? "Bad Request: message to edit not found"
                                    : "Bad Request: message to delete not found");
    }
    if (!editing && options_.undeletable_chats.contains(chat)) {
      return bot_error(400, "Bad Request: message can't be deleted for everyone");
    }
    if (editing && it->second.text == plain) {
      return bot_error(400,
                       "Bad Request: message is not modified: specified new message content and "
                       "reply markup are exactly the same as a current content and reply markup "
                       "of the message");
    }
    if (editing) {
      it->second.text = plain;
    } else {
      it->second.deleted = true;
    }
  }
  boost::json::object recorded{{"method", method}, {"chat_id", chat}, {"message_id", message_id}};
  if (!plain.empty()) recorded["plain_text"] = plain;
  state_.record("telegram", std::move(recorded), request.received_at);
  if (method == "deleteMessage") {
    return http::Response::json(200, R"({"ok":true,"result":true})");
  }
  boost::json::object chat_obj{{"id", chat}, {"type", chat_type(chat)}};
  boost::json::object result{{"message_id", message_id},
                             {"date", unix_millis() / 1000},
                             {"edit_date", unix_millis() / 1000},
                             {"chat", chat_obj},
                             {"text", plain}};
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{{"ok", true}, {"result", result}}));
}

}  // namespace araldo::emulator::telegram
