#include "daemon/http/curl_capture.hpp"

#include <string>
#include <string_view>

namespace araldo::http {

std::size_t curl_collect_body(char* data, std::size_t size, std::size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

std::size_t curl_collect_header(char* data, std::size_t size, std::size_t count, void* out) {
  auto* headers = static_cast<Headers*>(out);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    *headers = Headers();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    headers->add(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

}  // namespace araldo::http
