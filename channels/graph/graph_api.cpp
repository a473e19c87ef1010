#include "channels/graph/graph_api.hpp"

#include <boost/json.hpp>
#include <regex>

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

bool is_version(std::string_view version) {
  static const std::regex shape("v[0-9]{1,2}\\.[0-9]");
  return std::regex_match(version.begin(), version.end(), shape);
}

}  // namespace araldo::channels::graph
