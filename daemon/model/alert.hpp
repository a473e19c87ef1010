#pragma once
// An alert as an operator submits it. Field names and enumerations follow CAP 1.2's
// <info> block where they overlap (shared/cap.md), so a CAP feed maps onto it directly.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace araldo::model {

inline constexpr std::array<std::string_view, 5> severities = {"Extreme", "Severe", "Moderate",
                                                               "Minor", "Unknown"};
inline constexpr std::array<std::string_view, 5> urgencies = {"Immediate", "Expected", "Future",
                                                              "Past", "Unknown"};
inline constexpr std::array<std::string_view, 5> certainties = {"Observed", "Likely", "Possible",
                                                                "Unlikely", "Unknown"};
inline constexpr std::array<std::string_view, 12> categories = {
    "Geo",    "Met", "Safety",    "Security", "Rescue", "Fire",
    "Health", "Env", "Transport", "Infra",    "CBRNE",  "Other"};

// The alert's text in another language (CAP: a further <info> block). An empty event,
// area or web falls back to the alert's own: they often need no translation.
struct AlertText {
  std::string language;
  std::string headline;
  std::string description;
  std::string instruction;
  std::string event;
  std::string area;
  std::optional<std::string> web;
};

struct Alert {
  std::string headline;
  std::string description;
  std::string instruction;
  std::string event;
  std::vector<std::string> categories;
  std::string severity;
  std::string urgency;
  std::string certainty;
  std::string area;      // CAP areaDesc
  std::string language;  // RFC 5646 tag, e.g. "it" or "it-IT"
  std::string sender;
  std::optional<std::string> expires;  // CAP datetime (as submitted, or send time + expires_after)
  std::optional<std::string> send_at;  // CAP datetime: not sent before; nullopt: now
  std::optional<std::string> web;
  std::vector<std::string> channels;  // as named by the operator; empty means "all enabled"
  std::vector<AlertText> translations;
};

// The alert as readers of `language` should see it: its translation into that language
// (matched on the primary subtag) if it has one, else nullopt.
std::optional<Alert> translated(const Alert& alert, std::string_view language);

// Higher first: an Extreme/Immediate alert is claimed before a Minor/Future notice.
int priority(const Alert& alert);

// The primary language subtag, lowercased: "it-IT" -> "it".
std::string primary_language(std::string_view tag);

}  // namespace araldo::model
