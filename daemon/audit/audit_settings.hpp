#pragma once
// The audit log's section of araldod.yaml (`audit:`): how often the sequencer seals, and
// the key that signs its heads.
#include <chrono>
#include <optional>

#include "daemon/config/section.hpp"

namespace araldo::audit {

struct AuditSettings {
  std::optional<config::Secret> signing_key;  // Ed25519 seed, 64 hex digits; none: unsigned
  std::chrono::milliseconds seal_interval{200};
};

AuditSettings read_audit_settings(config::Section& section);

}  // namespace araldo::audit
