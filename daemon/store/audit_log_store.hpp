#pragma once
// The SQL of sealing the audit log into its Merkle tree (the tree itself, and signing,
// are daemon/audit's). One seal is one transaction under the sequencers' lock: read the
// last head, read the events that can no longer be preceded by a commit, and write the
// leaves and the head that the caller computed from them.
#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace araldo::store {

struct SealPoint {  // where the last seal stopped
  std::uint64_t tree_size = 0;
  std::string last_xid = "0";
  long long last_event_id = 0;
  std::string frontier;  // the tree's right edge, as the last head saved it
};

struct UnsealedEvent {
  long long id = 0;
  std::string xid;
  std::string entry;  // the bytes its leaf hashes (araldo_audit_entry)
};

struct SealWrite {
  std::vector<std::string> leaf_hashes;  // one per event, in order, as hex
  std::string root_hash;                 // hex
  std::string frontier;                  // raw bytes, to save with the head
  std::optional<std::string> public_key, signature;
};

struct SealOutcome {
  bool had_lock = false;  // false: another sequencer is sealing
  long long sealed = 0;
  std::uint64_t tree_size = 0;
};

// `compute(point, events, signed_at)` turns the events after `point` into leaves and a
// head; `signed_at` is the database's clock, in UTC, as the head will record it. It is
// called only when there is something to seal.
using ComputeSeal = std::function<SealWrite(const SealPoint&, const std::vector<UnsealedEvent>&,
                                            const std::string& signed_at)>;
SealOutcome seal_audit_events(pqxx::connection& conn, int batch, const ComputeSeal& compute);

}  // namespace araldo::store
