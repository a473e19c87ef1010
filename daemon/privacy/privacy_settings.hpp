#pragma once
// The `privacy:` section of araldod.yaml: the key of the citizens' pseudonyms.
#include <optional>

#include "daemon/config/section.hpp"

namespace araldo::privacy {

struct PrivacySettings {
  std::optional<config::Secret> pseudonym_key;  // at least 16 bytes
};

// `required_by`: the channel that takes subscribers, so the key must be there.
PrivacySettings read_privacy_settings(config::Section& section,
                                      const std::optional<std::string>& required_by);

}  // namespace araldo::privacy
