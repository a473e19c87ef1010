#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace araldo::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment, as an EnvLookup.
std::optional<std::string> process_env(const std::string& name);

// Replaces each ${NAME} by the variable's value. Throws ConfigError naming the variable
// (never a value) when it is unset. "$$" stands for a literal "$".
std::string expand_env(std::string_view text, const EnvLookup& lookup, std::string_view where);

}  // namespace araldo::config
