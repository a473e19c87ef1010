#pragma once
// Alert ids in paths and queries are UUIDs; one check, one problem document.
#include <optional>
#include <string>
#include <string_view>

#include "daemon/http/http_message.hpp"

namespace araldo::api {

bool is_uuid(std::string_view text);

// A 400 problem when `id` is not an alert id, or nothing.
std::optional<http::Response> reject_alert_id(const std::string& id);

}  // namespace araldo::api
