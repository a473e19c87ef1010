#include "channels/graph/graph_api.hpp"

#include <boost/json.hpp>
#include <regex>

#include "channels/base_url.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::channels::graph {
namespace {

long long integer_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<long long>(v->as_uint64());
  return 0;
}

std::string string_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string GraphError::describe(long http_status) const {
  std::string out = "HTTP " + std::to_string(http_status) + ": (#" + std::to_string(code);
  if (subcode) out += "/" + std::to_string(subcode);
  out += ") " + message;
  if (!type.empty() || !fbtrace_id.empty()) {
    out += " [" + type + (fbtrace_id.empty() ? "" : ", fbtrace_id " + fbtrace_id) + "]";
  }
  return out;
}

std::optional<GraphError> read_error(std::string_view body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* error = doc.as_object().if_contains("error");
  if (!error || !error->is_object()) return std::nullopt;
  const auto& e = error->as_object();
  GraphError out;
  out.code = integer_at(e, "code");
  out.subcode = integer_at(e, "error_subcode");
  if (const auto* t = e.if_contains("is_transient"); t && t->is_bool())
    out.is_transient = t->as_bool();
  out.type = string_at(e, "type");
  out.message = string_at(e, "message");
  out.fbtrace_id = string_at(e, "fbtrace_id");
  return out;
}

std::string appsecret_proof(std::string_view app_secret, std::string_view access_token) {
  return text::hmac_sha256_hex(app_secret, access_token);
}

std::optional<std::chrono::seconds> regain_access_wait(const HttpReply& reply) {
  const auto header = reply.headers.find("X-Business-Use-Case-Usage");
  if (!header) return std::nullopt;
  boost::system::error_code ec;
  auto doc = boost::json::parse(*header, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  long long minutes = -1;
  for (const auto& [id, entries] : doc.as_object()) {
    if (!entries.is_array()) continue;
    for (const auto& entry : entries.as_array()) {
      if (entry.is_object()) {
        minutes =
            std::max(minutes, integer_at(entry.as_object(), "estimated_time_to_regain_access"));
      }
    }
  }
  if (minutes < 0) return std::nullopt;
  return std::chrono::seconds(std::max(1LL, minutes * 60));
}

GraphConfig read_config(config::Section& section, const std::string& id_key,
                        const std::string& token_key) {
  GraphConfig c;
  c.base_url = read_base_url(section, "https://graph.facebook.com");
  c.version = section.optional_string("graph_version", "v21.0");
  static const std::regex version_shape("v[0-9]{1,2}\\.[0-9]");
  if (!std::regex_match(c.version, version_shape)) {
    throw config::ConfigError(section.path() + ".graph_version: expected e.g. v21.0, got '" +
                              c.version + "'");
  }
  static const std::regex id_shape("[0-9]{5,20}");
  c.object_id = section.required_string(id_key);
  if (!std::regex_match(c.object_id, id_shape)) {
    throw config::ConfigError(section.path() + "." + id_key + ": a numeric id, got '" +
                              c.object_id + "'");
  }
  c.token = section.secret(token_key);
  if (section.has("app_secret")) c.app_secret = section.checking_secret("app_secret");
  return c;
}

std::variant<Outcome, GraphError> classify_common(
    const Answer& answer,
    const std::function<std::optional<std::string>(const std::string& body)>& success_id,
    std::string_view id_name) {
  if (const auto* error = std::get_if<TransportError>(&answer)) {
    return classify_transport_error(*error);
  }
  const auto& reply = std::get<HttpReply>(answer);
  auto error = read_error(reply.body);
  if (error) return *error;
  if (reply.status == 200) {
    if (auto id = success_id(reply.body)) return Outcome::delivered(*id);
    return Outcome::transient("HTTP 200 without " + std::string(id_name));
  }
  const std::string what = "HTTP " + std::to_string(reply.status) + " without a Graph error";
  return reply.status >= 500 || reply.status == 429 ? Outcome::transient(what)
                                                    : Outcome::permanent(what);
}

}  // namespace araldo::channels::graph
