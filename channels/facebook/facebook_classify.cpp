#include "channels/facebook/facebook_classify.hpp"

#include <boost/json.hpp>

#include "channels/graph/graph_api.hpp"

namespace araldo::channels::facebook {
namespace {

// Throttled without a usage header to say for how long: Graph windows are an hour
// long, but usage is measured continuously; try again in a few minutes.
constexpr std::chrono::seconds fallback_throttle_wait{300};

std::optional<std::string> post_id(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* id = doc.as_object().if_contains("id");
  if (id && id->is_string()) return std::string(id->as_string());
  // An edit or a deletion answers {"success": true}: the post it acted on.
  const auto* success = doc.as_object().if_contains("success");
  if (success && success->is_bool() && success->as_bool()) return std::string();
  return std::nullopt;
}

}  // namespace

Outcome classify_answer(const Answer& answer) {
  auto common = graph::classify_common(answer, post_id, "id");
  if (auto* outcome = std::get_if<Outcome>(&common)) return *outcome;
  const auto& reply = std::get<HttpReply>(answer);
  const auto* error = &std::get<graph::GraphError>(common);
  const auto what = error->describe(reply.status);
  const auto code = error->code;
  if (code == 4 || code == 17 || code == 32 || code == 613 || code == 80001) {
    return Outcome::retry_after(graph::regain_access_wait(reply).value_or(fallback_throttle_wait),
                                Scope::channel, what);
  }
  if (code == 190 || code == 10 || (code >= 200 && code <= 299)) {
    // Every later post would fail the same way: stop the channel and say so.
    return Outcome::permanent(what + " (the Page token or its permissions: renew it)",
                              Scope::channel);
  }
  if (code == 368) {
    return Outcome::permanent(what + " (the Page is blocked for policy reasons)", Scope::channel);
  }
  if (code == 100 && error->message.find("appsecret_proof") != std::string::npos) {
    return Outcome::permanent(what + " (check app_secret)", Scope::channel);
  }
  if (code == 1 || code == 2 || error->is_transient || reply.status >= 500) {
    return Outcome::transient(what);
  }
  return Outcome::permanent(what);  // 100 invalid parameter, 506 duplicate post, ...
}

}  // namespace araldo::channels::facebook
