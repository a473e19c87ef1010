#pragma once
// araldoctl's HTTP client (libcurl): one request at a time to araldod, with the key as a
// bearer token. A 503 or a connection that fails is tried again with backoff, within a
// bound, before giving up: a daemon restarting is not a failure.
#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/http/http_message.hpp"

namespace araldo::ctl {

struct ClientOptions {
  std::string server;  // http://host:port
  std::string key;
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds retry_for{60'000};  // total time spent retrying a 503
};

struct ApiResponse {
  int status = 0;  // 0: no answer at all
  std::string body;
  std::string error;  // why there was no answer
  http::Headers headers;
};

class ApiClient {
 public:
  explicit ApiClient(ClientOptions options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `path` is percent-encoded by the caller where needed. Retries 503s and transport
  // failures; only call it for requests that are safe to repeat (a POST of an alert
  // carries an Idempotency-Key).
  ApiResponse request(const std::string& method, const std::string& path,
                      const std::string& body = "", const std::string& content_type = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // GET whose 2xx body is written to `sink` as it arrives (never held whole); the
  // response's body holds a refusal's problem document. A transfer cut short is status
  // 0 with the error, even if the status line said 200.
  ApiResponse download(const std::string& path, std::ostream& sink,
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  ApiResponse once(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& content_type,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   std::ostream* sink, long long* written);
  ClientOptions options_;
  void* curl_;  // CURL*, reused so keep-alive works across polls
};

// A path segment percent-encoded (a '+' in a phone number, a '/' in a name).
std::string encode_segment(const std::string& segment);

}  // namespace araldo::ctl
