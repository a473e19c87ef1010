#include "daemon/config/env_expand.hpp"

#include <cstdlib>

#include "daemon/config/section.hpp"

namespace araldo::config {

std::optional<std::string> process_env(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

std::string expand_env(std::string_view text, const EnvLookup& lookup, std::string_view where) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      const auto close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        throw ConfigError(std::string(where) + ": unterminated ${ in value");
      }
      const std::string name(text.substr(i + 2, close - i - 2));
      if (name.empty()) throw ConfigError(std::string(where) + ": empty ${} in value");
      auto value = lookup(name);
      if (!value) {
        throw ConfigError(std::string(where) + ": environment variable " + name + " is not set");
      }
      out += *value;
      i = close;
      continue;
    }
    out += '$';
  }
  return out;
}

}  // namespace araldo::config
