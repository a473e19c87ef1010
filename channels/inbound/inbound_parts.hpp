#pragma once
// What the platforms' inbound plugins share: reading a path in a JSON payload, and the
// per-language texts of their config (confirmations).
#include <boost/json/value.hpp>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "daemon/config/section.hpp"

namespace araldo::channels {

// The value at `path` (object keys), or nullptr when any step is missing.
const boost::json::value* json_at(const boost::json::value& v,
                                  std::initializer_list<const char*> path);
// The string at `path`, or "" when it is missing or not a string.
std::string json_string(const boost::json::value& v, std::initializer_list<const char*> path);

// `key` of `parent` as {language: text}, or `fallback` when absent.
std::map<std::string, std::string> read_texts(config::Section& parent, const std::string& key,
                                              std::map<std::string, std::string> fallback);
// The text in `language`, else in `default_language`; nullopt when neither has one.
std::optional<std::string> text_in(const std::map<std::string, std::string>& texts,
                                   const std::string& language,
                                   const std::string& default_language);

}  // namespace araldo::channels
