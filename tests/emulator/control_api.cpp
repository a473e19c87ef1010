#include "tests/emulator/control_api.hpp"

#include <boost/json.hpp>
#include <regex>

namespace araldo::emulator {
namespace {

http::Response ok() {
  return http::Response::json(200, R"({"ok":true})");
}

http::Response bad(const std::string& why) {
  return http::Response::json(
      400, boost::json::serialize(boost::json::object{{"ok", false}, {"error", why}}));
}

std::variant<Fault, std::string> read_fault(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::string("fault must be a JSON object");
  const auto& o = doc.as_object();
  Fault f;
  try {
    f.platform = o.contains("platform") ? std::string(o.at("platform").as_string()) : "*";
    if (o.contains("count")) f.remaining = static_cast<int>(o.at("count").to_number<long long>());
    if (o.contains("status")) f.status = static_cast<int>(o.at("status").to_number<long long>());
    if (o.contains("retry_after")) {
      f.retry_after = static_cast<int>(o.at("retry_after").to_number<long long>());
    }
    if (o.contains("latency_ms")) {
      f.latency = std::chrono::milliseconds(o.at("latency_ms").to_number<long long>());
    }
    if (o.contains("drop")) f.drop = o.at("drop").as_bool();
    if (o.contains("skip")) f.skip = static_cast<int>(o.at("skip").to_number<long long>());
    if (o.contains("description")) f.description = std::string(o.at("description").as_string());
    if (o.contains("body")) f.body = std::string(o.at("body").as_string());
    if (o.contains("body_hex")) {
      const std::string hex(o.at("body_hex").as_string());
      if (hex.size() % 2 != 0) return std::string("body_hex must have an even length");
      std::string bytes;
      for (std::size_t i = 0; i < hex.size(); i += 2)
        bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
      f.body = bytes;
    }
    if (o.contains("fill_bytes") && f.body) {
      const auto n = static_cast<std::size_t>(o.at("fill_bytes").to_number<long long>());
      if (const auto at = f.body->find("@FILL@"); at != std::string::npos)
        f.body->replace(at, 6, std::string(n, 'x'));
    }
  } catch (const std::exception& e) {
    return std::string("bad fault field: ") + e.what();
  }
  if (f.remaining == 0 || f.remaining < -1) return std::string("count must be >= 1, or -1");
  return f;
}

}  // namespace

std::optional<http::Response> handle_control(EmulatorState& state, const http::Request& req) {
  const std::string path(req.path());
  if (!path.starts_with("/_emulator/")) return std::nullopt;
  static const std::regex messages_path("/_emulator/([a-z]+)/messages");
  std::smatch m;
  if (req.method == "GET" && std::regex_match(path, m, messages_path)) {
    return http::Response::json(
        200, boost::json::serialize(boost::json::object{{"messages", state.messages(m[1])}}));
  }
  if (req.method == "DELETE" && path == "/_emulator/messages") {
    state.clear_messages();
    return ok();
  }
  if (req.method == "POST" && path == "/_emulator/faults") {
    auto fault = read_fault(req.body);
    if (auto* why = std::get_if<std::string>(&fault)) return bad(*why);
    state.add_fault(std::get<Fault>(fault));
    return ok();
  }
  if (req.method == "DELETE" && path == "/_emulator/faults") {
    state.clear_faults();
    return ok();
  }
  static const std::regex revoke_path("/_emulator/([a-z]+)/revoke");
  if (req.method == "POST" && std::regex_match(path, m, revoke_path)) {
    state.revoke(m[1]);
    return ok();
  }
  // A receiver that does nothing: the peer a webhook benchmark measures araldod against.
  if (req.method == "POST" && path == "/_emulator/null") return ok();
  if (req.method == "GET" && path == "/_emulator/stats") {
    return http::Response::json(200, boost::json::serialize(state.stats()));
  }
  return http::Response::json(404, R"({"ok":false,"error":"no such control endpoint"})");
}

}  // namespace araldo::emulator
