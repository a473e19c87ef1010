#include "daemon/privacy/privacy_settings.hpp"

namespace araldo::privacy {

PrivacySettings read_privacy_settings(config::Section& section,
                                      const std::optional<std::string>& required_by) {
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
  section.reject_unknown_keys();
  return s;
}

}  // namespace araldo::privacy
