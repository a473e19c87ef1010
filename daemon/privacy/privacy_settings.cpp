#include "daemon/privacy/privacy_settings.hpp"

namespace araldo::privacy {

PrivacySettings read_privacy_settings(config::Section& section,
                                      const std::optional<std::string>& required_by,
                                      std::chrono::seconds replay_window) {
  PrivacySettings s;
  if (!section.has("pseudonym_key") && required_by) {
    throw config::ConfigError(section.path() + ".pseudonym_key: required, because channel '" +
                              *required_by +
                              "' takes subscribers (the audit log names them by pseudonym); "
                              "make one with `openssl rand -hex 16`");
  }
  if (section.has("pseudonym_key")) {
    // Changing it later changes every pseudonym: the log's old events stay readable by
    // their old pseudonyms, but no longer match the new ones.
    s.pseudonym_key = section.checking_secret("pseudonym_key");
  }
  s.retention = std::chrono::days(section.integer("retention_days", 365, 1, 3650));
  if (s.retention < replay_window) {
    throw config::ConfigError(
        section.path() + ".retention_days: shorter than inbound.replay_window_days (" +
        std::to_string(std::chrono::duration_cast<std::chrono::days>(replay_window).count()) +
        "): webhook items are kept that long to recognise a replay");
  }
  section.reject_unknown_keys();
  return s;
}

}  // namespace araldo::privacy
