#include "tests/emulator/graph/graph_emulation.hpp"

#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>

#include "tests/emulator/crypto/emulator_crypto.hpp"
#include "tests/emulator/emulator_state.hpp"

namespace araldo::emulator::graph {
namespace {

void read_query(std::string_view query, std::map<std::string, std::string>& out) {
  std::string spaced;
  for (char c : query) spaced += c == '+' ? std::string("%20") : std::string(1, c);
  auto parsed = boost::urls::parse_query(spaced);
  if (!parsed) return;
  for (const auto& p : *parsed) {
    const auto key = *p.key;
    const auto value = *p.value;
    out[std::string(key.begin(), key.end())] = std::string(value.begin(), value.end());
  }
}

}  // namespace

http::Response error(int http_status, long long code, const std::string& message, long long subcode,
                     bool is_transient) {
  boost::json::object e{
      {"message", message},
      {"type", code == 190 || code == 100 ? "OAuthException" : "GraphMethodException"},
      {"code", code},
      {"is_transient", is_transient},
      {"fbtrace_id", "Emu" + std::to_string(unix_millis() % 1'000'000)}};
  if (subcode) e["error_subcode"] = subcode;
  return http::Response::json(http_status,
                              boost::json::serialize(boost::json::object{{"error", e}}));
}

std::map<std::string, std::string> parameters(const http::Request& request) {
  std::map<std::string, std::string> out;
  if (const auto q = request.target.find('?'); q != std::string::npos) {
    read_query(std::string_view(request.target).substr(q + 1), out);
  }
  const auto type = std::string(request.headers.find("Content-Type").value_or(""));
  if (type.starts_with("application/x-www-form-urlencoded")) read_query(request.body, out);
  return out;
}

std::optional<std::string> check_proof(const std::optional<std::string>& app_secret,
                                       const std::string& token,
                                       const std::map<std::string, std::string>& params) {
  if (!app_secret) return std::nullopt;
  const auto it = params.find("appsecret_proof");
  if (it == params.end()) return "appsecret_proof argument must be passed as a parameter";
  if (!crypto::same(it->second, crypto::graph_appsecret_proof(*app_secret, token))) {
    return "Invalid appsecret_proof provided in the API argument";
  }
  return std::nullopt;
}

}  // namespace araldo::emulator::graph
