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
  audit.reject_unknown_keys();
  return s;
}

}  // namespace araldo::audit
