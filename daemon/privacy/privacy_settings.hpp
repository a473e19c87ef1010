#pragma once
// The `privacy:` section of araldod.yaml: the key of the citizens' pseudonyms, and how
// long the clear text of their numbers is kept in deliveries and webhook bodies.
#include <chrono>
#include <optional>

#include "daemon/config/section.hpp"

namespace araldo::privacy {

struct PrivacySettings {
  std::optional<config::Secret> pseudonym_key;  // at least 16 bytes
  // After this, a finished delivery's target becomes its pseudonym, and processed webhook
  // items and bodies are deleted.
  std::chrono::days retention{365};
};

// `required_by`: the channel that takes subscribers, so the key must be there.
// `replay_window`: webhook items must be kept at least that long (a replay is recognised
// by them), so a shorter retention is refused.
PrivacySettings read_privacy_settings(config::Section& section,
                                      const std::optional<std::string>& required_by,
                                      std::chrono::seconds replay_window);

}  // namespace araldo::privacy
