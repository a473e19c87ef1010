#include "daemon/inbound/inbox_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "daemon/api/query_params.hpp"
#include "daemon/api/roles.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/inbound/exchange.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/store/inbox_store.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::inbound {
namespace {

constexpr std::size_t max_reply_characters = 4096;  // both platforms' text limit

std::optional<long long> conversation_id(const api::Call& call) {
  const auto& text = call.params.at("id");
  long long id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

http::Response no_such(const api::Call& call) {
  return http::not_found("no conversation " + call.params.at("id")).to_response();
}

boost::json::value or_null(const std::optional<std::string>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::object summary(const store::Conversation& c) {
  return {{"id", c.id},
          {"channel", c.channel},
          {"citizen", c.citizen},
          {"state", c.state},
          {"assignee", or_null(c.assignee)},
          {"opened_at", c.opened_at},
          {"updated_at", c.updated_at},
          {"last_citizen_at", c.last_citizen_at},
          {"messages", c.messages},
          {"last_text", c.last_text}};
}

// The body's one string field `name`, or the problem that says what is wrong.
std::variant<boost::json::object, http::Response> json_object(const api::Call& call) {
  auto parsed = model::parse_json_body(call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  auto& v = std::get<boost::json::value>(parsed);
  if (!v.is_object()) {
    return http::unprocessable({{"", "expected a JSON object"}}).to_response();
  }
  return v.as_object();
}

std::optional<std::string> string_field(const boost::json::object& o, const char* name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

}  // namespace

http::Response InboxApi::list(const api::Call& call) const {
  std::vector<http::FieldError> errors;
  api::QueryParams q(call.request, {"state", "limit"}, {}, errors);
  const auto state = q.one("state").value_or("");
  if (!state.empty() && state != "new" && state != "assigned" && state != "answered") {
    errors.push_back(http::in_parameter("state", "new, assigned or answered"));
  }
  int limit = 100;
  if (const auto l = q.one("limit")) {
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size() || limit < 1 || limit > 1000) {
      errors.push_back(http::in_parameter("limit", "a whole number from 1 to 1000"));
    }
  }
  if (!errors.empty()) {
    return http::bad_request("invalid-parameter", "bad query parameters", std::move(errors))
        .to_response();
  }
  boost::json::array out;
  for (const auto& c : store::list_conversations(db_, state, limit, pseudonyms_)) {
    out.push_back(summary(c));
  }
  return http::Response::json(200,
                              boost::json::serialize(boost::json::object{{"conversations", out}}));
}

http::Response InboxApi::show(const api::Call& call) const {
  const auto id = conversation_id(call);
  const auto c = id ? store::find_conversation(db_, *id, pseudonyms_) : std::nullopt;
  if (!c) return no_such(call);
  auto o = summary(*c);
  boost::json::array messages;
  for (const auto& m : c->history) {
    messages.push_back({{"id", m.id},
                        {"direction", m.direction},
                        {"kind", m.kind},
                        {"text", m.text},
                        {"at", m.at},
                        {"alert_id", or_null(m.alert_id)},
                        {"author", or_null(m.author)},
                        {"outcome", or_null(m.outcome)}});
  }
  o["history"] = std::move(messages);
  return http::Response::json(200, boost::json::serialize(o));
}

http::Response InboxApi::assign(const api::Call& call) const {
  const auto id = conversation_id(call);
  if (!id) return no_such(call);
  auto body = json_object(call);
  if (auto* r = std::get_if<http::Response>(&body)) return std::move(*r);
  const auto& o = std::get<boost::json::object>(body);
  const auto person = string_field(o, "to");
  const auto role = string_field(o, "role");
  std::vector<http::FieldError> errors;
  for (const auto& [key, value] : o) {
    if (key != "to" && key != "role") errors.push_back({"/" + std::string(key), "unknown field"});
  }
  if (person.has_value() == role.has_value()) {
    errors.push_back({"", "give either \"to\" (a person) or \"role\" (a role)"});
  } else if (person && (person->empty() || person->size() > 100 ||
                        person->find_first_of("\r\n\t") != std::string::npos)) {
    errors.push_back({"/to", "a name of 1 to 100 characters on one line"});
  } else if (role && !api::parse_role(*role)) {
    errors.push_back({"/role", "operator, scheduler, auditor or admin"});
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors)).to_response();
  const auto assignee = person ? *person : "role:" + *role;
  if (!store::assign_conversation(db_, *id, assignee, call.caller.name, pseudonyms_)) {
    return no_such(call);
  }
  spdlog::info("event=inbox.assigned conversation={} actor={}", *id, call.caller.name);
  return show(call);
}

http::Response InboxApi::reply(const api::Call& call) const {
  const auto id = conversation_id(call);
  if (!id) return no_such(call);
  auto body = json_object(call);
  if (auto* r = std::get_if<http::Response>(&body)) return std::move(*r);
  const auto& o = std::get<boost::json::object>(body);
  std::vector<http::FieldError> errors;
  for (const auto& [key, value] : o) {
    if (key != "text") errors.push_back({"/" + std::string(key), "unknown field"});
  }
  const auto text = string_field(o, "text");
  std::size_t characters = 0;
  if (text) text::for_each_code_point(*text, [&](char32_t) { ++characters; });
  if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) {
    errors.push_back({"/text", "the reply's text is required"});
  } else if (characters > max_reply_characters) {
    errors.push_back({"/text", "at most " + std::to_string(max_reply_characters) + " characters (" +
                                   std::to_string(characters) + " given)"});
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors)).to_response();

  const auto to = store::reply_target(db_, *id);
  if (!to) return no_such(call);
  const auto* channel = channels_.find(to->channel);
  const auto* inbound = channel ? channel->inbound() : nullptr;
  if (!inbound) {
    return http::Problem{409,
                         "channel-unavailable",
                         "The citizen's channel is not configured",
                         "channel '" + to->channel + "' takes no inbound messages any more",
                         {}}
        .to_response();
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto window = inbound->reply_window_seconds();
  std::optional<channels::OutgoingRequest> request;
  std::string via = "free_form";
  if (window && now - to->last_citizen_at > *window) {
    via = "template";
    request = inbound->reply_by_template(to->address, *text);
    if (!request) {
      return http::Problem{
          409,
          "reply-window-closed",
          "The platform's reply window has closed",
          "the citizen last wrote " + std::to_string((now - to->last_citizen_at) / 3600) +
              " hours ago; channel '" + to->channel + "' takes free-form text only within " +
              std::to_string(*window / 3600) +
              " hours of it, and has no reply template "
              "(channels." +
              to->channel + ".inbound.reply_template)",
          {}}
          .to_response();
    }
  } else {
    request = inbound->reply(to->address, *text, to->last_message_id);
  }
  if (!reply_slots_.try_acquire()) {
    return http::Problem{503,
                         "replies-busy",
                         "Other replies are waiting for the platform",
                         std::to_string(replies_at_once_) +
                             " replies are already waiting for the platform's answer; nothing "
                             "was sent. Try again in a few seconds.",
                         {}}
        .to_response();
  }
  channels::Answer answer;
  try {
    answer = send_and_wait(*request, std::chrono::seconds(15));
  } catch (...) {
    reply_slots_.release();
    throw;
  }
  reply_slots_.release();
  const auto outcome = channel->classify(answer);
  const bool delivered = outcome.kind == channels::Outcome::Kind::delivered;
  const auto kind = std::string(channels::to_string(outcome.kind));
  const auto message = store::record_reply(
      db_, *id, *to,
      {via, *text, call.caller.name, kind, delivered ? outcome.platform_id : outcome.reason},
      pseudonyms_);
  spdlog::info("event=inbox.replied conversation={} channel={} via={} outcome={} actor={}", *id,
               to->channel, via, kind, call.caller.name);
  if (!delivered) {
    // The reason may quote the number: the stored message keeps it, this answer does not.
    return http::Problem{502,
                         "reply-not-delivered",
                         "The platform did not take the reply",
                         "the platform answered " + kind + "; message " + std::to_string(message) +
                             " records why. Try again.",
                         {}}
        .to_response();
  }
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{
               {"message", message}, {"via", via}, {"outcome", kind}, {"conversation", *id}}));
}

}  // namespace araldo::inbound
