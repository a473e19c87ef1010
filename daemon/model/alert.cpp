#include "daemon/model/alert.hpp"

#include <algorithm>
#include <cctype>

namespace araldo::model {
namespace {

int rank(std::string_view value, const auto& ordered) {
  auto it = std::find(ordered.begin(), ordered.end(), value);
  // "Unknown" sits last in the list but should not rank below Minor/Past.
  if (it == ordered.end() || value == "Unknown") return 1;
  return static_cast<int>(ordered.size() - (it - ordered.begin()));
}

}  // namespace

int priority(const Alert& alert) {
  return rank(alert.severity, severities) * 10 + rank(alert.urgency, urgencies);
}

std::string primary_language(std::string_view tag) {
  std::string out(tag.substr(0, tag.find('-')));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace araldo::model

namespace araldo::model {

std::optional<Alert> translated(const Alert& alert, std::string_view language) {
  const auto wanted = primary_language(language);
  if (wanted == primary_language(alert.language)) return alert;
  for (const auto& t : alert.translations) {
    if (primary_language(t.language) != wanted) continue;
    Alert out = alert;
    out.language = t.language;
    out.headline = t.headline;
    out.description = t.description;
    out.instruction = t.instruction;
    if (!t.event.empty()) out.event = t.event;
    if (!t.area.empty()) out.area = t.area;
    if (t.web) out.web = t.web;
    return out;
  }
  return std::nullopt;
}

}  // namespace araldo::model
