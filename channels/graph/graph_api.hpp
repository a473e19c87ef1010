#pragma once
// What Facebook Pages and WhatsApp Cloud share: Meta's Graph API. Its error envelope
// ({"error": {code, error_subcode, is_transient, ...}}: classify by code, not by HTTP
// status), appsecret_proof, and the usage headers that say how long to back off.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "channels/http_exchange.hpp"
#include "channels/outcome.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::graph {

struct GraphError {
  long long code = 0;
  long long subcode = 0;
  bool is_transient = false;
  std::string type;
  std::string message;
  std::string fbtrace_id;

  // "(#190/460) message [OAuthException, fbtrace_id …]", for logs and the audit trail.
  std::string describe(long http_status) const;
};

std::optional<GraphError> read_error(std::string_view body);

// Lowercase hex HMAC-SHA256 of the access token, keyed with the app secret.
std::string appsecret_proof(std::string_view app_secret, std::string_view access_token);

// The longest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage,
// as a wait; nullopt when the header says nothing.
std::optional<std::chrono::seconds> regain_access_wait(const HttpReply& reply);

// What every Graph product reads from its config section: base_url, graph_version, the
// numeric id of the object it posts to (`id_key`), its access token (`token_key`) and the
// optional app_secret. Throws config::ConfigError naming the key.
struct GraphConfig {
  std::string base_url;
  std::string version;
  std::string object_id;
  config::Secret token;
  std::optional<config::Secret> app_secret;
};
GraphConfig read_config(config::Section& section, const std::string& id_key,
                        const std::string& token_key);

// The part of classifying an answer that no product changes: a transport error, a
// success (its id found by `success_id`), or an answer without a Graph error envelope,
// as an Outcome; otherwise the Graph error, for the product to classify by code.
std::variant<Outcome, GraphError> classify_common(
    const Answer& answer,
    const std::function<std::optional<std::string>(const std::string& body)>& success_id,
    std::string_view id_name);

}  // namespace araldo::channels::graph
