#pragma once
// araldoctl's audit commands, read straight from the database (as an auditor's login in
// the role araldo_auditor): verify the whole log, and Certificate Transparency proofs.
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/config/secret.hpp"
#include "daemon/store/database.hpp"

namespace araldo::ctl {

// What a verification found, however it was run (from the database, or by araldod).
struct VerificationSummary {
  bool ok = false;
  std::string problem;
  std::uint64_t leaves = 0;
  long long heads = 0, signed_heads = 0;
  std::uint64_t tree_size = 0;
  std::string root;  // hex
  long long unsealed = 0;
  bool kept_given = false;
};
// Prints it; 0 intact, 1 broken.
int print_verification(const VerificationSummary& s);

// 0 intact, 1 broken (what is wrong is named), 2 a bad --expect-head.
int verify_audit_log(store::Connection& conn, const config::Secret& url, int connections,
                     const std::vector<std::string>& kept, const std::string& public_key);
// The latest signed tree head, to keep outside the database (for --expect-head).
int print_audit_head(store::Connection& conn, bool json);
// Both prove against published heads (0: the latest), printed with their signature, and
// check the proof against the head's signed root; `public_key` (may be empty) is the
// pinned key the heads must be signed by. A size no head has is an error.
int prove_inclusion(store::Connection& conn, long long event_id, std::uint64_t size,
                    const std::string& public_key);
int prove_consistency(store::Connection& conn, std::uint64_t from, std::uint64_t to,
                      const std::string& public_key);

}  // namespace araldo::ctl
