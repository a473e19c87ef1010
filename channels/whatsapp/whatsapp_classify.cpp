#include "channels/whatsapp/whatsapp_classify.hpp"

#include <boost/json.hpp>

#include "channels/graph/graph_api.hpp"

namespace araldo::channels::whatsapp {
namespace {

std::optional<std::string> message_id(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* messages = doc.as_object().if_contains("messages");
  if (!messages || !messages->is_array() || messages->as_array().empty()) return std::nullopt;
  const auto& first = messages->as_array().front();
  const auto* id = first.is_object() ? first.as_object().if_contains("id") : nullptr;
  if (!id || !id->is_string()) return std::nullopt;
  return std::string(id->as_string());
}

bool any_of(long long code, std::initializer_list<long long> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

Outcome classify_answer(const Answer& answer) {
  using std::chrono::seconds;
  // A 200 means accepted, not yet delivered: delivery receipts arrive later as webhooks.
  auto common = graph::classify_common(answer, message_id, "messages[0].id");
  if (auto* outcome = std::get_if<Outcome>(&common)) return *outcome;
  const auto& reply = std::get<HttpReply>(answer);
  const auto* error = &std::get<graph::GraphError>(common);
  const auto what = error->describe(reply.status);
  const auto code = error->code;
  if (code == 130429) return Outcome::retry_after(seconds(1), Scope::channel, what);
  // Pair rate: this recipient got too much too fast; the others are fine.
  if (code == 131056) return Outcome::retry_after(seconds(6), Scope::target, what);
  if (code == 131048) {
    return Outcome::retry_after(seconds(900), Scope::channel,
                                what + " (spam rate limit: the number's quality is low)");
  }
  if (any_of(code, {4, 80007})) {
    return Outcome::retry_after(graph::regain_access_wait(reply).value_or(seconds(60)),
                                Scope::channel, what);
  }
  if (any_of(code, {190, 133010, 131031, 368, 132000, 132001}) || (code >= 200 && code <= 299) ||
      code == 10) {
    // Credentials, the number, the account or the template: every message would fail.
    return Outcome::permanent(what, Scope::channel);
  }
  if (any_of(code, {1, 2, 131000, 131016}) || error->is_transient || reply.status >= 500) {
    return Outcome::transient(what);
  }
  // 131026 undeliverable, 131030 not allowed, 131047 re-engagement, 131021, 131008,
  // 131009, 100, 132005, 132007, 132012: this recipient or this message only.
  return Outcome::permanent(what);
}

}  // namespace araldo::channels::whatsapp
