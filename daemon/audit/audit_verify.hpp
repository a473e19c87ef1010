#pragma once
// Checks the audit log as an auditor would, from the database alone: every leaf of the
// Merkle tree is the hash of its event as it stands now (a changed event fails, a removed
// one is missing), leaves run 0, 1, 2, ... without a gap, every tree head's root is the
// root of the leaves below it and its Ed25519 signature holds, no event older than the
// last seal is left out of the tree (one slipped in afterwards), and heads kept elsewhere
// are still prefixes of the log.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/audit/merkle.hpp"
#include "daemon/store/database.hpp"

namespace araldo::audit {

struct KeptHead {
  std::uint64_t size = 0;
  merkle::Hash root{};
};
// "SIZE:ROOTHEX", as `araldoctl audit verify` prints a head.
std::optional<KeptHead> parse_kept_head(const std::string& text);

struct VerifyOptions {
  std::optional<std::string> public_key;  // hex; heads must be signed by it
  std::vector<KeptHead> kept_heads;       // must be prefixes of the log
  long long batch = 20'000;               // leaves per read
};

struct LogReport {
  bool ok = true;
  std::string problem;         // the first thing found wrong, in words
  long long bad_event_id = 0;  // the event it concerns, if any
  std::uint64_t leaves = 0;    // leaves checked
  long long heads = 0;         // heads checked
  long long signed_heads = 0;
  std::uint64_t tree_size = 0;  // the latest head's
  merkle::Hash root{};
  long long unsealed = 0;  // events newer than the last seal, not in the tree yet
};

// `readers`: more connections to the same database, which read leaves in parallel with
// `conn` inside its snapshot (an auditor's verify is bound by the database's work per
// event, one core per connection).
LogReport verify_log(store::Connection& conn, const VerifyOptions& options = {},
                     const std::vector<store::Connection*>& readers = {});

// Every leaf hash of the first `size` leaves, for proofs.
std::vector<merkle::Hash> load_leaves(store::Connection& conn, std::uint64_t size);

}  // namespace araldo::audit
