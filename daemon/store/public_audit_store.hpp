#pragma once
// What anyone may read of the audit log, on the daemon's pool: the published tree heads
// (signed, so they need no trust in the server), the leaf hashes a proof is computed
// from, and where a public alert's acceptance sits in the tree.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/audit_log_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

// Heads larger than `after`, smallest first, at most `limit`.
std::vector<StoredHead> published_heads(Database& db, std::uint64_t after, int limit);
// The head of exactly `size` leaves; 0: the latest.
std::optional<StoredHead> published_head(Database& db, std::uint64_t size);
// The first `size` leaf hashes (32 raw bytes each).
std::vector<std::string> published_leaves(Database& db, std::uint64_t size);

struct SealedEvent {
  long long event_id = 0;
  std::uint64_t leaf_index = 0;
  std::string entry;  // the bytes its leaf hashes (araldo_audit_entry)
};
// The alert.accepted event of alert `alert_id`, once sealed.
std::optional<SealedEvent> sealed_acceptance(Database& db, const std::string& alert_id);

}  // namespace araldo::store
