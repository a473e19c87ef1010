#include "channels/x/x_classify.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace araldo::channels::x {
namespace {

// When a 429 names no reset time: X's windows are 15 minutes.
constexpr std::chrono::seconds fallback_wait{60};

std::string problem_text(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return "";
  const auto& o = doc.as_object();
  for (const char* key : {"detail", "title"}) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  }
  if (auto* errors = o.if_contains("errors"); errors && errors->is_array()) {
    for (const auto& e : errors->as_array()) {
      if (auto* m = e.is_object() ? e.as_object().if_contains("message") : nullptr;
          m && m->is_string()) {
        return std::string(m->as_string());
      }
    }
  }
  return "";
}

// DELETE /2/tweets/{id} answers {"data": {"deleted": true}}.
bool deleted(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return false;
  const auto* data = doc.as_object().if_contains("data");
  const auto* flag = data && data->is_object() ? data->as_object().if_contains("deleted") : nullptr;
  return flag && flag->is_bool() && flag->as_bool();
}

std::optional<std::string> created_id(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* data = doc.as_object().if_contains("data");
  if (!data || !data->is_object()) return std::nullopt;
  const auto* id = data->as_object().if_contains("id");
  // Ids are 64-bit strings: kept as text, never through a double.
  if (!id || !id->is_string()) return std::nullopt;
  return std::string(id->as_string());
}

}  // namespace

Outcome classify_answer(const Answer& answer, std::chrono::system_clock::time_point now) {
  if (const auto* error = std::get_if<TransportError>(&answer)) {
    return classify_transport_error(*error);
  }
  const auto& reply = std::get<HttpReply>(answer);
  const std::string status = "HTTP " + std::to_string(reply.status);
  const auto text = problem_text(reply.body);
  const std::string what = text.empty() ? status : status + ": " + text;

  if (reply.status == 201 || reply.status == 200) {
    if (auto id = created_id(reply.body)) return Outcome::delivered(*id);
    if (deleted(reply.body)) return Outcome::delivered("");  // the post it removed
    return Outcome::transient(status + " without data.id");
  }
  if (reply.status == 429) {
    std::chrono::seconds wait = fallback_wait;
    if (auto reset = reply.headers.find("x-rate-limit-reset")) {
      long long at = 0;
      if (std::from_chars(reset->data(), reset->data() + reset->size(), at).ec == std::errc()) {
        const auto until = std::chrono::system_clock::time_point(std::chrono::seconds(at));
        wait =
            std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(until - now));
      }
    }
    return Outcome::retry_after(wait, Scope::channel, what);
  }
  if (reply.status == 401) {
    return Outcome::permanent(what + " (bad signature, revoked token or clock skew: check NTP)",
                              Scope::channel);
  }
  if (reply.status == 403) {
    // A duplicate, an over-long post or a reply to a deleted post is refused for this post
    // only; anything else (tier, enrolment) is the account's setup and refuses every post.
    const bool this_post = text.find("duplicate") != std::string::npos ||
                           text.find("too long") != std::string::npos ||
                           text.find("deleted or not visible") != std::string::npos;
    return Outcome::permanent(what, this_post ? Scope::target : Scope::channel);
  }
  if (reply.status >= 500) return Outcome::transient(what);
  if (reply.status >= 400) return Outcome::permanent(what);
  return Outcome::transient(what + " (unexpected status)");
}

}  // namespace araldo::channels::x
