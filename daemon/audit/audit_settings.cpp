#include "daemon/audit/audit_settings.hpp"

namespace araldo::audit {

AuditSettings read_audit_settings(config::Section& audit) {
  AuditSettings s;
  if (audit.has("signing_key")) {
    s.signing_key = audit.secret("signing_key");
    const auto& k = s.signing_key->reveal();
    if (k.size() != 64 || k.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      throw config::ConfigError(audit.path() +
                                ".signing_key: expected an Ed25519 seed as 64 hex digits"
                                " (e.g. from `openssl rand -hex 32`)");
    }
  }
  s.seal_interval = audit.millis("seal_interval_ms", s.seal_interval);
  // Unsigned heads prove nothing to anyone who does not already trust the database: only
  // a configuration that says so in so many words runs without a key.
  const bool unsigned_heads = audit.boolean("unsigned", false);
  audit.reject_unknown_keys();
  if (!s.signing_key && !unsigned_heads) {
    throw config::ConfigError(audit.path() +
                              ".signing_key: required, an Ed25519 seed as 64 hex digits (from "
                              "`openssl rand -hex 32`); to run with unsigned heads, say " +
                              audit.path() + ".unsigned: true");
  }
  if (s.signing_key && unsigned_heads) {
    throw config::ConfigError(audit.path() + ".unsigned: true contradicts " + audit.path() +
                              ".signing_key: keep one");
  }
  return s;
}

}  // namespace araldo::audit
