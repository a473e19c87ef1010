#pragma once
// An alert as an operator submits it. Field names and enumerations follow CAP 1.2's
// <info> block where they overlap (shared/cap.md), so a CAP feed maps onto it directly.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/model/alert_area.hpp"

namespace araldo::model {

inline constexpr std::array<std::string_view, 5> severities = {"Extreme", "Severe", "Moderate",
                                                               "Minor", "Unknown"};
inline constexpr std::array<std::string_view, 5> urgencies = {"Immediate", "Expected", "Future",
                                                              "Past", "Unknown"};
inline constexpr std::array<std::string_view, 5> certainties = {"Observed", "Likely", "Possible",
                                                                "Unlikely", "Unknown"};
// CAP <status>: only Actual alerts reach public channels; Exercise, Test and System go to
// channels configured for them; a Draft is stored and never sent.
inline constexpr std::array<std::string_view, 5> statuses = {"Actual", "Exercise", "System", "Test",
                                                             "Draft"};
// CAP <scope>: Public alerts are for everyone; Restricted (with <restriction>) and
// Private (with <addresses>) only for the channels configured to take them.
inline constexpr std::array<std::string_view, 3> scopes = {"Public", "Restricted", "Private"};
// CAP <msgType>: an Update or a Cancel refers to the alerts it corrects.
inline constexpr std::array<std::string_view, 3> message_types = {"Alert", "Update", "Cancel"};
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
  AlertArea geometry;    // CAP polygons, circles, geocodes: who it reaches (empty: all)
  std::string language;  // RFC 5646 tag, e.g. "it" or "it-IT"
  std::string sender;
  std::optional<std::string> expires;  // CAP datetime (as submitted, or send time + expires_after)
  std::optional<std::string> send_at;  // CAP datetime: not sent before; nullopt: now
  std::optional<std::string> web;
  std::vector<std::string> channels;  // as named by the operator; empty means "all enabled"
  std::vector<AlertText> translations;
  std::string status = "Actual";
  std::string scope = "Public";
  std::string restriction;  // CAP: who a Restricted alert is for
  std::string addresses;    // CAP: who a Private alert is for
  std::string msg_type = "Alert";
  // Asks subscribers to answer with a button ("Sto bene" / "Ho bisogno di aiuto").
  bool asks_ack = false;
  std::vector<std::string> references;  // the ids of the alerts an Update or Cancel corrects
  // Where citizens can read a public alert whole in the archive (alerts.public_url set);
  // for the texts that must be shortened. Not part of the stored document.
  std::string public_page;
};

// Whether an alert's status and scope are for the public: only these reach public channels.
inline bool is_public(const Alert& a) {
  return a.status == "Actual" && a.scope == "Public";
}

// The alert as readers of `language` should see it: its translation into that language
// (matched on the primary subtag) if it has one, else nullopt.
std::optional<Alert> translated(const Alert& alert, std::string_view language);

// Higher first: an Extreme/Immediate alert is claimed before a Minor/Future notice.
int priority(const Alert& alert);

// The primary language subtag, lowercased: "it-IT" -> "it".
std::string primary_language(std::string_view tag);

}  // namespace araldo::model
