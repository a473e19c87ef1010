#include "channels/inbound/inbound_parts.hpp"

#include <boost/json.hpp>

namespace araldo::channels {

const boost::json::value* json_at(const boost::json::value& v,
                                  std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(key);
    if (!cur) return nullptr;
  }
  return cur;
}

std::string json_string(const boost::json::value& v, std::initializer_list<const char*> path) {
  const auto* s = json_at(v, path);
  return s && s->is_string() ? std::string(s->as_string()) : std::string();
}

std::map<std::string, std::string> read_texts(config::Section& parent, const std::string& key,
                                              std::map<std::string, std::string> fallback) {
  if (!parent.has(key)) return fallback;
  auto s = parent.section(key);
  std::map<std::string, std::string> out;
  for (const auto& language : s.keys()) out[language] = s.required_string(language);
  s.reject_unknown_keys();
  return out;
}

std::optional<std::string> text_in(const std::map<std::string, std::string>& texts,
                                   const std::string& language,
                                   const std::string& default_language) {
  auto it = texts.find(language);
  if (it == texts.end()) it = texts.find(default_language);
  if (it == texts.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace araldo::channels
