#pragma once
// A credential read from configuration. It never prints its value: formatting or
// logging one shows "***", so a token cannot leak through a log line by accident.
#include <fmt/format.h>

#include <string>

namespace araldo::config {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace araldo::config

template <>
struct fmt::formatter<araldo::config::Secret> : fmt::formatter<std::string_view> {
  auto format(const araldo::config::Secret&, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
