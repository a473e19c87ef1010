#pragma once
// What the emulated Facebook Pages and WhatsApp Cloud APIs share, as Meta's Graph API
// does: the error envelope, form and query parameters, and appsecret_proof checking.
#include <map>
#include <optional>
#include <string>

#include "daemon/http/http_message.hpp"

namespace araldo::emulator::graph {

http::Response error(int http_status, long long code, const std::string& message,
                     long long subcode = 0, bool is_transient = false);

// Query-string and form-encoded body parameters, merged (the body wins).
std::map<std::string, std::string> parameters(const http::Request& request);

// Why the proof is wrong, if it is: the real API answers code 100 when "Require App
// Secret" is on and the proof is missing or does not match the token.
std::optional<std::string> check_proof(const std::optional<std::string>& app_secret,
                                       const std::string& token,
                                       const std::map<std::string, std::string>& params);

}  // namespace araldo::emulator::graph
