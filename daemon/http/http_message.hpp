#pragma once
// Plain HTTP message types shared by the server, the router and the handlers.
// They carry no Beast types, so only http_server.cpp pays for Beast's headers.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace araldo::http {

struct Header {
  std::string name;
  std::string value;
};

class Headers {
 public:
  void add(std::string name, std::string value) {
    items_.push_back({std::move(name), std::move(value)});
  }
  // Replaces every header of that name (case-insensitive) by one value.
  void set(std::string_view name, std::string value);
  // First value of the header, compared case-insensitively as RFC 9110 requires.
  std::optional<std::string_view> find(std::string_view name) const;
  const std::vector<Header>& items() const { return items_; }

 private:
  std::vector<Header> items_;
};

struct Request {
  std::string method;
  std::string target;  // path and query as sent
  Headers headers;
  std::string body;
  // When its header was read, or its first byte arrived (ServerOptions::arrival_times).
  std::chrono::steady_clock::time_point received_at;

  std::string_view path() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // A body too large to hold (an export): when set, the body is sent with chunked
  // transfer encoding, each call giving the next piece, nullopt at the end. If it throws,
  // the connection is closed without the final chunk, so the client sees the transfer cut
  // short rather than a complete-looking file.
  std::function<std::optional<std::string>()> stream;
  // Test-emulator hooks: wait before answering, or close the connection with no answer.
  std::chrono::milliseconds delay{0};
  bool drop_connection = false;

  static Response json(int status, std::string body);
};

bool iequals(std::string_view a, std::string_view b);

// A request target fit for a log line: every run of six or more digits (a phone number or
// a chat id in a path such as /v1/channels/wa/subscribers/%2B393331234567) becomes "***".
std::string loggable_target(std::string_view target);

}  // namespace araldo::http
