#pragma once
// What Facebook Pages and WhatsApp Cloud share: Meta's Graph API. Its error envelope
// ({"error": {code, error_subcode, is_transient, ...}}: classify by code, not by HTTP
// status), appsecret_proof, and the usage headers that say how long to back off.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "channels/http_exchange.hpp"

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

// A Graph API version path segment such as "v21.0".
bool is_version(std::string_view version);

}  // namespace araldo::channels::graph
