#pragma once
// A blocking HTTP client for tests (libcurl easy), so tests speak real HTTP.
#include <map>
#include <string>

#include "daemon/http/http_message.hpp"

namespace araldo::test_support {

struct HttpResult {
  long status = 0;  // 0: no HTTP answer (connection refused, reset)
  http::Headers headers;
  std::string body;
  std::string error;
};

HttpResult http_request(const std::string& method, const std::string& url,
                        const std::map<std::string, std::string>& headers = {},
                        const std::string& body = "");

}  // namespace araldo::test_support
