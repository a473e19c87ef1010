#include "daemon/api/alert_id.hpp"

#include <regex>

#include "daemon/http/problem.hpp"

namespace araldo::api {

bool is_uuid(std::string_view text) {
  static const std::regex shape(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return std::regex_match(text.begin(), text.end(), shape);
}

std::optional<http::Response> reject_alert_id(const std::string& id) {
  if (is_uuid(id)) return std::nullopt;
  return http::bad_request("invalid-id", "'" + id + "' is not an alert id (a UUID)",
                           {http::in_parameter("id", "must be a UUID")})
      .to_response();
}

}  // namespace araldo::api
