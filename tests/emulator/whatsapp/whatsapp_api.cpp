#include "tests/emulator/whatsapp/whatsapp_api.hpp"

#include <boost/json.hpp>
#include <regex>

#include "tests/emulator/graph/graph_emulation.hpp"

namespace araldo::emulator::whatsapp {
namespace {

const boost::json::value* at(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(key);
    if (!cur) return nullptr;
  }
  return cur;
}

std::string string_at(const boost::json::value& v, std::initializer_list<const char*> path) {
  const auto* s = at(v, path);
  return s && s->is_string() ? std::string(s->as_string()) : std::string();
}

}  // namespace

WhatsAppApi::WhatsAppApi(Options options, EmulatorState& state)
    : options_(std::move(options)),
      state_(state),
      throughput_(options_.messages_per_second, options_.burst) {}

std::optional<http::Response> WhatsAppApi::handle(const http::Request& request) {
  static const std::regex messages_path("/(v[0-9]{1,2}\\.[0-9])/([^/]+)/messages");
  std::smatch m;
  const std::string path(request.path());
  if (!std::regex_match(path, m, messages_path)) return std::nullopt;
  const std::string phone_id = m[2];
  return state_.answer(
      "whatsapp",
      [](const Fault& fault) {
        const int s = *fault.status;
        if (s == 429) {
          return graph::error(400, 130429, fault.description.value_or("(#130429) Rate limit hit"));
        }
        return graph::error(s, 131000, fault.description.value_or("Something went wrong"), 0, true);
      },
      [&] {
        if (request.method != "POST") return graph::error(400, 100, "Unsupported get request.");
        return send_message(phone_id, request);
      });
}

http::Response WhatsAppApi::send_message(const std::string& phone_id,
                                         const http::Request& request) {
  const auto auth = request.headers.find("Authorization");
  if (!auth || !auth->starts_with("Bearer ")) {
    return graph::error(401, 190, "An access token is required to request this resource.");
  }
  const std::string token(auth->substr(7));
  if (state_.revoked("whatsapp")) {
    return graph::error(401, 190, "Error validating access token: Session has expired.", 463);
  }
  if (token != options_.token) return graph::error(401, 190, "Invalid OAuth access token.");
  if (auto why = graph::check_proof(options_.app_secret, token, graph::parameters(request))) {
    return graph::error(400, 100, *why);
  }
  if (phone_id != options_.phone_number_id) {
    return graph::error(
        400, 100, "Unsupported post request. Object with ID '" + phone_id + "' does not exist.",
        33);
  }
  boost::system::error_code ec;
  const auto doc = boost::json::parse(request.body, ec);
  if (ec || !doc.is_object()) return graph::error(400, 100, "(#100) Invalid JSON body");
  if (string_at(doc, {"messaging_product"}) != "whatsapp") {
    return graph::error(400, 100, "(#100) The parameter messaging_product is required.");
  }
  const auto to = string_at(doc, {"to"});
  static const std::regex e164("[1-9][0-9]{6,14}");
  if (!std::regex_match(to, e164)) {
    return graph::error(400, 131009, "(#131009) Parameter value is not valid: to");
  }
  const auto type = string_at(doc, {"type"});
  if (type == "text") {
    // No conversation is open with a citizen who never wrote first.
    return graph::error(400, 131047,
                        "Re-engagement message: more than 24 hours have passed since the "
                        "recipient last replied to the sender number.");
  }
  if (type != "template") return graph::error(400, 100, "(#100) Param type must be template");
  const auto name = string_at(doc, {"template", "name"});
  const auto language = string_at(doc, {"template", "language", "code"});
  const auto tmpl = options_.templates.find(name);
  if (tmpl == options_.templates.end() || !tmpl->second.languages.contains(language)) {
    return graph::error(404, 132001, "(#132001) Template name does not exist in the translation");
  }
  boost::json::array parameters;
  if (const auto* components = at(doc, {"template", "components"});
      components && components->is_array()) {
    for (const auto& c : components->as_array()) {
      if (string_at(c, {"type"}) != "body") continue;
      if (const auto* p = at(c, {"parameters"}); p && p->is_array()) parameters = p->as_array();
    }
  }
  if (static_cast<int>(parameters.size()) != tmpl->second.parameters) {
    return graph::error(400, 132000,
                        "(#132000) Number of parameters does not match the expected number of "
                        "params");
  }
  boost::json::array texts;
  for (const auto& p : parameters) {
    const auto text = string_at(p, {"text"});
    if (string_at(p, {"type"}) != "text" || text.empty()) {
      return graph::error(400, 131008, "(#131008) Required parameter is missing");
    }
    if (text.find_first_of("\n\t") != std::string::npos ||
        text.find("     ") != std::string::npos) {
      return graph::error(400, 132018,
                          "(#132018) Param text cannot have new-line/tab characters or more "
                          "than 4 consecutive spaces");
    }
    texts.emplace_back(text);
  }
  if (options_.undeliverable.contains(to)) {
    return graph::error(400, 131026, "(#131026) Message Undeliverable.");
  }
  std::string id;
  {
    std::lock_guard lock(mutex_);
    if (options_.rate_limits) {
      if (throughput_.take().count() > 0) {
        return graph::error(400, 130429, "(#130429) Rate limit hit");
      }
      auto& pair = pairs_.try_emplace(to, 1.0 / options_.pair_seconds, 1.0).first->second;
      if (pair.take().count() > 0) {
        return graph::error(400, 131056,
                            "(#131056) (Business Account, Consumer Account) pair rate limit hit");
      }
    }
    id = "wamid.EMU" + std::to_string(next_id_++);
  }
  state_.record("whatsapp", {{"id", id},
                             {"to", to},
                             {"template", name},
                             {"language", language},
                             {"parameters", std::move(texts)}});
  boost::json::object reply{{"messaging_product", "whatsapp"},
                            {"contacts", {{{"input", to}, {"wa_id", to}}}},
                            {"messages", {{{"id", id}, {"message_status", "accepted"}}}}};
  return http::Response::json(200, boost::json::serialize(reply));
}

}  // namespace araldo::emulator::whatsapp
