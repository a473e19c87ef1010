#pragma once
// The SQL of sealing the audit log into its Merkle tree (the tree itself, and signing,
// are daemon/audit's). One seal is one transaction under the sequencers' lock: read the
// last head, read the events that can no longer be preceded by a commit, and write the
// leaves and the head that the caller computed from them.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

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
SealOutcome seal_audit_events(Connection& conn, int batch, const ComputeSeal& compute);

// Reading the whole log as an auditor does, in one snapshot: a log growing meanwhile is
// read as it was when the snapshot began.
struct StoredHead {
  std::uint64_t tree_size = 0;
  std::string root_hash;  // 32 raw bytes
  std::string signed_at;
  std::optional<std::string> public_key, signature;
};

struct StoredLeaf {
  std::uint64_t seq = 0;
  long long event_id = 0;
  std::string leaf_hash;  // 32 raw bytes
  bool event_exists = false;
  std::string entry;  // the event's bytes as they stand now (empty if it was removed)
};

class AuditSnapshot {
 public:
  // `readers`: more connections to the same database, which read leaves in parallel inside
  // this snapshot (not on a hot standby, which cannot share its snapshot).
  explicit AuditSnapshot(Connection& conn, const std::vector<Connection*>& readers = {});
  ~AuditSnapshot();

  std::vector<StoredHead> heads();
  // Every leaf in order, `batch` at a time, to `check`; stops early when it returns false.
  // The next batches are read (on the next connections) while `check` runs.
  void read_leaves(long long batch,
                   const std::function<bool(const std::vector<StoredLeaf>&)>& check);
  // Events up to the last sealed one, and all events.
  std::pair<std::uint64_t, long long> event_counts();
  // The first event before the last seal that is not a leaf, if any.
  std::optional<long long> first_unsealed_before_last_seal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The latest tree head, if any.
std::optional<StoredHead> latest_head(Connection& conn);
// The head of exactly `size` leaves, if one was published.
std::optional<StoredHead> head_of_size(Connection& conn, std::uint64_t size);
// The latest signed head's tree size (0: no head yet).
std::uint64_t latest_tree_size(Connection& conn);
// The first `size` leaf hashes (32 raw bytes each), for proofs.
std::vector<std::string> leaf_hashes(Connection& conn, std::uint64_t size);
// The leaf an event became (nullopt: not sealed yet, or no such event).
std::optional<std::uint64_t> leaf_index(Connection& conn, long long event_id);

// The same on the daemon's pool, for the public routes (anyone may read heads and proofs).
// The head of exactly `size` leaves; 0: the latest.
std::optional<StoredHead> published_head(Database& db, std::uint64_t size);
// Heads larger than `after`, smallest first, at most `limit`.
std::vector<StoredHead> published_heads(Database& db, std::uint64_t after, int limit);
std::vector<std::string> leaf_hashes(Database& db, std::uint64_t size);

struct SealedEvent {
  long long event_id = 0;
  std::uint64_t leaf_index = 0;
  std::string entry;  // the bytes its leaf hashes (araldo_audit_entry)
};
// The alert.accepted event of alert `alert_id`, once sealed.
std::optional<SealedEvent> sealed_acceptance(Database& db, const std::string& alert_id);

}  // namespace araldo::store
