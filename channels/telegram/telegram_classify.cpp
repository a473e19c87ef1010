#include "channels/telegram/telegram_classify.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace araldo::channels::telegram {
namespace {

// Used when a 429 carries no usable wait: long enough not to hammer a flooded bot.
constexpr std::chrono::seconds fallback_flood_wait{30};

struct BotApiReply {
  bool ok = false;
  std::optional<long long> message_id;
  bool done = false;
  std::optional<long long> retry_after;
  std::optional<long long> migrate_to_chat_id;
  std::string description;
};

std::optional<long long> int_at(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_int64()) return v->as_int64();
  if (auto* v = o.if_contains(key); v && v->is_uint64())
    return static_cast<long long>(v->as_uint64());
  return std::nullopt;
}

BotApiReply read_reply(const std::string& body) {
  BotApiReply r;
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return r;
  const auto& o = doc.as_object();
  if (auto* v = o.if_contains("ok"); v && v->is_bool()) r.ok = v->as_bool();
  if (auto* v = o.if_contains("description"); v && v->is_string()) {
    r.description = std::string(v->as_string());
  }
  if (auto* v = o.if_contains("result"); v && v->is_object()) {
    r.message_id = int_at(v->as_object(), "message_id");
  }
  // deleteMessage answers "result": true.
  if (auto* v = o.if_contains("result"); v && v->is_bool()) r.done = v->as_bool();
  if (auto* v = o.if_contains("parameters"); v && v->is_object()) {
    r.retry_after = int_at(v->as_object(), "retry_after");
    r.migrate_to_chat_id = int_at(v->as_object(), "migrate_to_chat_id");
  }
  return r;
}

std::optional<long long> retry_after_header(const HttpReply& reply) {
  auto h = reply.headers.find("Retry-After");
  if (!h) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(h->data(), h->data() + h->size(), v);
  if (ec != std::errc() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

Outcome classify_answer(const Answer& answer) {
  if (const auto* error = std::get_if<TransportError>(&answer)) {
    return classify_transport_error(*error);
  }
  const auto& reply = std::get<HttpReply>(answer);
  const auto r = read_reply(reply.body);
  const std::string status = "HTTP " + std::to_string(reply.status);
  const std::string what = r.description.empty() ? status : status + ": " + r.description;

  if (reply.status == 200) {
    if (r.ok && r.message_id) return Outcome::delivered(std::to_string(*r.message_id));
    if (r.ok && r.done) return Outcome::delivered("");  // the message it acted on
    // Something answered 200 without the Bot API's envelope (a proxy, a captive portal).
    return Outcome::transient(status + " without ok/result.message_id");
  }
  if (reply.status == 429) {
    auto wait = r.retry_after ? r.retry_after : retry_after_header(reply);
    // Flood control limits the bot as a whole: pausing only this chat would keep
    // hitting the limit with the channel's other chats.
    return Outcome::retry_after(wait ? std::chrono::seconds(*wait) : fallback_flood_wait,
                                Scope::channel, what);
  }
  if (reply.status == 401) {
    return Outcome::permanent(status + ": Telegram rejected the bot token (revoked or wrong)",
                              Scope::channel);
  }
  if (reply.status == 404) {
    return Outcome::permanent(status + ": no such Bot API method (check base_url and token)",
                              Scope::channel);
  }
  if (reply.status == 400 && r.migrate_to_chat_id) {
    // The group became a supergroup: the same message goes to the new id, at once.
    return Outcome::moved(std::to_string(*r.migrate_to_chat_id),
                          what + " (the group is now supergroup " +
                              std::to_string(*r.migrate_to_chat_id) +
                              ": update the channel's chats)");
  }
  if (reply.status >= 500) return Outcome::transient(what);
  if (reply.status == 403 &&
      (r.description.find("bot was blocked by the user") != std::string::npos ||
       r.description.find("user is deactivated") != std::string::npos)) {
    auto o = Outcome::permanent(what);
    o.recipient_left = true;
    return o;
  }
  if (reply.status >= 400) return Outcome::permanent(what);
  return Outcome::transient(what + " (unexpected status)");
}

}  // namespace araldo::channels::telegram
