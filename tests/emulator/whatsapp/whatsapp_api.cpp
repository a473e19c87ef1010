#include "tests/emulator/whatsapp/whatsapp_api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <regex>

#include "tests/emulator/crypto/emulator_crypto.hpp"
#include "tests/emulator/graph/graph_emulation.hpp"
#include "tests/emulator/webhook_sender.hpp"

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
  if (type == "text") return send_text(to, doc, request.received_at);
  if (type != "template") return graph::error(400, 100, "(#100) Param type must be template");
  const auto name = string_at(doc, {"template", "name"});
  const auto language = string_at(doc, {"template", "language", "code"});
  const auto tmpl = options_.templates.find(name);
  if (tmpl == options_.templates.end() || !tmpl->second.languages.contains(language)) {
    return graph::error(404, 132001, "(#132001) Template name does not exist in the translation");
  }
  boost::json::array parameters;
  std::vector<std::string> payloads(tmpl->second.quick_replies);
  if (const auto* components = at(doc, {"template", "components"});
      components && components->is_array()) {
    for (const auto& c : components->as_array()) {
      const auto type = string_at(c, {"type"});
      if (type == "button") {
        // A quick-reply button's payload: only for a button the template has.
        const auto index = string_at(c, {"index"});
        const auto* p = at(c, {"parameters"});
        const bool one_payload = p && p->is_array() && p->as_array().size() == 1 &&
                                 string_at(p->as_array()[0], {"type"}) == "payload";
        const auto payload = one_payload ? string_at(p->as_array()[0], {"payload"}) : "";
        if (string_at(c, {"sub_type"}) != "quick_reply" || index.size() != 1 || index[0] < '0' ||
            index[0] - '0' >= tmpl->second.quick_replies) {
          return graph::error(400, 131009,
                              "(#131009) Parameter value is not valid: the template has no "
                              "quick-reply button " +
                                  index);
        }
        if (payload.empty() || payload.size() > 256) {
          return graph::error(400, 131008, "(#131008) Required parameter is missing: payload");
        }
        payloads[index[0] - '0'] = payload;
        continue;
      }
      if (type != "body") continue;
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
      if (throughput_.take(request.received_at).count() > 0) {
        return graph::error(400, 130429, "(#130429) Rate limit hit");
      }
      auto& pair = pairs_.try_emplace(to, 1.0 / options_.pair_seconds, 1.0).first->second;
      if (pair.take(request.received_at).count() > 0) {
        return graph::error(400, 131056,
                            "(#131056) (Business Account, Consumer Account) pair rate limit hit");
      }
    }
    id = "wamid.EMU" + std::to_string(next_id_++);
    sent_.push_back({id, to, string_at(doc, {"biz_opaque_callback_data"}), payloads});
  }
  boost::json::array buttons;
  for (const auto& p : payloads) buttons.emplace_back(p);
  state_.record("whatsapp",
                {{"id", id},
                 {"to", to},
                 {"template", name},
                 {"language", language},
                 {"parameters", std::move(texts)},
                 {"buttons", std::move(buttons)}},
                request.received_at);
  boost::json::object reply{{"messaging_product", "whatsapp"},
                            {"contacts", {{{"input", to}, {"wa_id", to}}}},
                            {"messages", {{{"id", id}, {"message_status", "accepted"}}}}};
  return http::Response::json(200, boost::json::serialize(reply));
}

http::Response WhatsAppApi::send_text(const std::string& to, const boost::json::value& doc,
                                      std::chrono::steady_clock::time_point received_at) {
  const auto body = string_at(doc, {"text", "body"});
  if (body.empty()) return graph::error(400, 131008, "(#131008) Required parameter is missing");
  if (body.size() > 4096) {
    return graph::error(400, 100, "(#100) Param text['body'] must be at most 4096 characters");
  }
  std::string id;
  {
    std::lock_guard lock(mutex_);
    // Free text only inside the customer-service window the citizen's last message opened.
    const auto it = window_.find(to);
    if (it == window_.end() || unix_millis() / 1000 - it->second > 24 * 3600) {
      return graph::error(400, 131047,
                          "Re-engagement message: more than 24 hours have passed since the "
                          "recipient last replied to the sender number.");
    }
    id = "wamid.EMU" + std::to_string(next_id_++);
    sent_.push_back({id, to, string_at(doc, {"biz_opaque_callback_data"})});
  }
  boost::json::object recorded{{"id", id}, {"to", to}, {"type", "text"}, {"text", body}};
  // A reply quoting a message: Meta shows the quote when the id is one of the chat's.
  if (const auto context = string_at(doc, {"context", "message_id"}); !context.empty()) {
    recorded["context"] = context;
  }
  state_.record("whatsapp", std::move(recorded), received_at);
  boost::json::object reply{{"messaging_product", "whatsapp"},
                            {"contacts", {{{"input", to}, {"wa_id", to}}}},
                            {"messages", {{{"id", id}}}}};
  return http::Response::json(200, boost::json::serialize(reply));
}

std::vector<int> WhatsAppApi::deliver(const boost::json::object& value,
                                      const boost::json::object& how, const std::string& field) {
  boost::json::object v = value;
  v["messaging_product"] = "whatsapp";
  v["metadata"] = {{"display_phone_number", "15550783881"},
                   {"phone_number_id", options_.phone_number_id}};
  const boost::json::object envelope{
      {"object", "whatsapp_business_account"},
      {"entry", {{{"id", "102290129340398"}, {"changes", {{{"value", v}, {"field", field}}}}}}}};
  const auto body = boost::json::serialize(envelope);
  std::string url, secret;
  {
    std::lock_guard lock(mutex_);
    url = webhook_url_;
    secret = webhook_secret_;
  }
  http::Headers headers;
  headers.set("Content-Type", "application/json");
  const auto flag = [&](const char* k) {
    const auto* f = how.if_contains(k);
    return f && f->is_bool() && f->as_bool();
  };
  if (!flag("unsigned")) {
    // A forgery: signed, but not with this app's secret.
    headers.set("X-Hub-Signature-256",
                crypto::hub_signature(flag("forge") ? secret + "-forged" : secret, body));
  }
  const auto* a = how.if_contains("attempts");
  const int attempts = a && a->is_int64() ? static_cast<int>(a->as_int64()) : 5;
  {
    std::lock_guard lock(mutex_);
    webhooks_.emplace_back(body, headers);
  }
  auto answers = post_webhook(url, headers, body, attempts);
  if (flag("duplicate")) {
    // Meta delivers to every subscribed app, and retries: the same body, again.
    const auto again = post_webhook(url, headers, body, attempts);
    answers.insert(answers.end(), again.begin(), again.end());
  }
  return answers;
}

std::optional<http::Response> WhatsAppApi::control(const http::Request& request) {
  const std::string path(request.path());
  if (!path.starts_with("/_emulator/whatsapp/") || request.method != "POST") return std::nullopt;
  boost::system::error_code ec;
  auto doc = boost::json::parse(request.body.empty() ? "{}" : request.body, ec);
  if (ec || !doc.is_object()) {
    return http::Response::json(400, R"({"ok":false,"error":"expected a JSON object"})");
  }
  const auto& how = doc.as_object();
  const auto answers_json = [](const std::vector<int>& answers) {
    boost::json::array a;
    for (int s : answers) a.push_back(s);
    return a;
  };
  if (path == "/_emulator/whatsapp/webhook") {
    std::lock_guard lock(mutex_);
    webhook_url_ = string_at(doc, {"url"});
    webhook_secret_ = string_at(doc, {"secret"});
    if (webhook_secret_.empty() && options_.app_secret) webhook_secret_ = *options_.app_secret;
    return http::Response::json(200, R"({"ok":true})");
  }
  if (path == "/_emulator/whatsapp/inbound") {
    // A citizen writes: that opens the customer-service window, and Meta tells the app.
    const auto from = string_at(doc, {"from"});
    const auto text = string_at(doc, {"text"});
    const long long now = unix_millis() / 1000;
    // A retry of a message written long ago carries the time it was written.
    const auto* ago = doc.is_object() ? doc.as_object().if_contains("sent_seconds_ago") : nullptr;
    const long long written = now - (ago && ago->is_int64() ? ago->as_int64() : 0);
    std::string id;
    {
      std::lock_guard lock(mutex_);
      window_[from] = written;
      id = "wamid.IN" + std::to_string(next_inbound_++);
    }
    boost::json::object value{
        {"contacts", {{{"profile", {{"name", "Cittadino"}}}, {"wa_id", from}}}},
        {"messages",
         {{{"from", from},
           {"id", id},
           {"timestamp", std::to_string(written)},
           {"type", "text"},
           {"text", {{"body", text}}}}}}};
    const auto answers = deliver(value, how);
    return http::Response::json(200, boost::json::serialize(boost::json::object{
                                         {"id", id}, {"answers", answers_json(answers)}}));
  }
  if (path == "/_emulator/whatsapp/press") {
    // A citizen presses a quick-reply button of a template message sent to them: Meta
    // sends a "button" message with its payload (a modified client may send another,
    // with "payload"). Like any message, it opens the customer-service window.
    const auto from = string_at(doc, {"from"});
    const auto wamid = string_at(doc, {"id"});
    const auto* b = how.if_contains("button");
    const auto index = b && b->is_int64() ? b->as_int64() : -1;
    std::string payload, id;
    const long long now = unix_millis() / 1000;
    {
      std::lock_guard lock(mutex_);
      const auto sent = std::find_if(sent_.begin(), sent_.end(),
                                     [&](const Sent& s) { return s.id == wamid && s.to == from; });
      if (sent == sent_.end() || index < 0 ||
          index >= static_cast<long long>(sent->payloads.size())) {
        return http::Response::json(400, R"({"ok":false,"error":"press: no such button"})");
      }
      payload = sent->payloads[index];
      if (const auto forged = string_at(doc, {"payload"}); !forged.empty()) payload = forged;
      window_[from] = now;
      id = "wamid.IN" + std::to_string(next_inbound_++);
    }
    boost::json::object value{
        {"contacts", {{{"profile", {{"name", "Cittadino"}}}, {"wa_id", from}}}},
        {"messages",
         {{{"context", {{"from", "15550783881"}, {"id", wamid}}},
           {"from", from},
           {"id", id},
           {"timestamp", std::to_string(now)},
           {"type", "button"},
           {"button",
            {{"payload", payload}, {"text", index == 0 ? "Sto bene" : "Ho bisogno di aiuto"}}}}}}};
    const auto answers = deliver(value, how);
    return http::Response::json(200, boost::json::serialize(boost::json::object{
                                         {"id", id}, {"answers", answers_json(answers)}}));
  }
  if (path == "/_emulator/whatsapp/presses") {
    // Every citizen with a button message presses button `button`, in bodies of `batch`
    // messages (a benchmark's burst).
    const auto* b = how.if_contains("button");
    const auto index = b && b->is_int64() ? b->as_int64() : 0;
    const auto* size = how.if_contains("batch");
    const std::size_t batch =
        size && size->is_int64() ? static_cast<std::size_t>(size->as_int64()) : 1000;
    boost::json::array messages;
    {
      std::lock_guard lock(mutex_);
      const long long now = unix_millis() / 1000;
      for (const auto& sent : sent_) {
        if (index >= static_cast<long long>(sent.payloads.size())) continue;
        window_[sent.to] = now;
        messages.push_back({{"context", {{"from", "15550783881"}, {"id", sent.id}}},
                            {"from", sent.to},
                            {"id", "wamid.IN" + std::to_string(next_inbound_++)},
                            {"timestamp", std::to_string(now)},
                            {"type", "button"},
                            {"button", {{"payload", sent.payloads[index]}, {"text", "Sto bene"}}}});
      }
    }
    std::vector<int> answers;
    for (std::size_t start = 0; start < messages.size(); start += batch) {
      boost::json::array part(messages.begin() + start,
                              messages.begin() + std::min(messages.size(), start + batch));
      const auto a = deliver({{"messages", std::move(part)}}, how);
      answers.insert(answers.end(), a.begin(), a.end());
    }
    return http::Response::json(
        200, boost::json::serialize(boost::json::object{{"presses", messages.size()},
                                                        {"answers", answers_json(answers)}}));
  }
  if (path == "/_emulator/whatsapp/preferences") {
    // A citizen stops (or resumes) marketing messages in the app: Meta's user_preferences.
    const auto from = string_at(doc, {"from"});
    const auto* ago = how.if_contains("sent_seconds_ago");
    const long long at = unix_millis() / 1000 - (ago && ago->is_int64() ? ago->as_int64() : 0);
    const auto category = string_at(doc, {"category"});
    boost::json::object value{
        {"contacts", {{{"profile", {{"name", "Cittadino"}}}, {"wa_id", from}}}},
        {"user_preferences",
         {{{"wa_id", from},
           {"detail", "User requested to " + string_at(doc, {"value"}) + " marketing messages"},
           {"category", category.empty() ? "marketing_messages" : category},
           {"value", string_at(doc, {"value"})},
           {"timestamp", at}}}}};
    const auto answers = deliver(value, how, "user_preferences");
    return http::Response::json(
        200, boost::json::serialize(boost::json::object{{"answers", answers_json(answers)}}));
  }
  if (path == "/_emulator/whatsapp/statuses") {
    // Receipts for messages sent: all of them, or those named; in batches, in order or
    // reversed, each batch once or twice.
    const auto status = string_at(doc, {"status"});
    std::vector<Sent> chosen;
    {
      std::lock_guard lock(mutex_);
      if (const auto* ids = how.if_contains("ids"); ids && ids->is_array()) {
        for (const auto& want : ids->as_array()) {
          for (const auto& s : sent_) {
            if (want.is_string() && s.id == want.as_string()) chosen.push_back(s);
          }
        }
      } else {
        chosen = sent_;
      }
    }
    if (const auto* r = how.if_contains("reverse"); r && r->is_bool() && r->as_bool()) {
      std::reverse(chosen.begin(), chosen.end());
    }
    const auto* b = how.if_contains("batch");
    const std::size_t batch = b && b->is_int64() ? static_cast<std::size_t>(b->as_int64()) : 1000;
    const auto now = std::to_string(unix_millis() / 1000);
    std::vector<int> answers;
    long long posts = 0;
    for (std::size_t start = 0; start < chosen.size(); start += batch) {
      boost::json::array statuses;
      for (std::size_t i = start; i < std::min(chosen.size(), start + batch); ++i) {
        boost::json::object st{{"id", chosen[i].id},
                               {"status", status},
                               {"timestamp", now},
                               {"recipient_id", chosen[i].to}};
        if (!chosen[i].tag.empty()) st["biz_opaque_callback_data"] = chosen[i].tag;
        if (status == "failed") {
          st["errors"] = {{{"code", 131049},
                           {"title",
                            "This message was not delivered to maintain healthy ecosystem "
                            "engagement."},
                           {"message",
                            "This message was not delivered to maintain healthy "
                            "ecosystem engagement."},
                           {"error_data",
                            {{"details",
                              "In order to maintain a healthy ecosystem "
                              "engagement, the message failed to be "
                              "delivered."}}}}};
        } else {
          st["pricing"] = {{"billable", true}, {"pricing_model", "PMP"}, {"category", "utility"}};
        }
        statuses.push_back(std::move(st));
      }
      const auto a = deliver({{"statuses", std::move(statuses)}}, how);
      answers.insert(answers.end(), a.begin(), a.end());
      ++posts;
    }
    return http::Response::json(
        200,
        boost::json::serialize(boost::json::object{
            {"posts", posts}, {"statuses", chosen.size()}, {"answers", answers_json(answers)}}));
  }
  if (path == "/_emulator/whatsapp/replay") {
    // The last webhook again, byte for byte and with its signature: a replay.
    std::pair<std::string, http::Headers> last;
    std::string url;
    {
      std::lock_guard lock(mutex_);
      url = webhook_url_;
      if (webhooks_.empty()) {
        return http::Response::json(409, R"({"ok":false,"error":"no webhook sent yet"})");
      }
      last = webhooks_.back();
    }
    const auto answers = post_webhook(url, last.second, last.first, 1);
    return http::Response::json(
        200, boost::json::serialize(boost::json::object{{"answers", answers_json(answers)}}));
  }
  return std::nullopt;
}

}  // namespace araldo::emulator::whatsapp
