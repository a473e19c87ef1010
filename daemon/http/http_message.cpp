#include "daemon/http/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace araldo::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void Headers::set(std::string_view name, std::string value) {
  std::erase_if(items_, [&](const Header& h) { return iequals(h.name, name); });
  items_.push_back({std::string(name), std::move(value)});
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const auto& h : items_) {
    if (iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string loggable_target(std::string_view target) {
  std::string out;
  std::size_t i = 0;
  while (i < target.size()) {
    std::size_t j = i;
    while (j < target.size() && target[j] >= '0' && target[j] <= '9') ++j;
    if (j - i >= 6) {
      out += "***";
    } else {
      out.append(target.substr(i, j - i));
    }
    if (j < target.size()) out += target[j];
    i = j + 1;
  }
  return out;
}

}  // namespace araldo::http
