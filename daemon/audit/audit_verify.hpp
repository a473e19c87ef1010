#pragma once
// Walks the audit chain and says whether every row is as it was written: each row's
// hash must equal SHA-256(previous hash + "\n" + its canonical content), and `seq` must
// run 1, 2, 3, ... without a gap. A changed row fails its own hash; a removed row leaves
// a gap; an inserted row breaks the chain where it stands.
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace araldo::audit {

struct ChainReport {
  long long rows = 0;     // rows checked
  std::string head_hash;  // the last good row's hash: keep it to compare later runs
  bool ok = true;
  long long first_bad_seq = 0;
  long long first_bad_id = 0;
  std::string problem;  // what is wrong with it, in words
};

ChainReport verify_chain(pqxx::connection& conn);

// The hash the database computes for a row: SHA-256 of previous hash, "\n", content.
std::string chain_hash(const std::string& previous_hash, const std::string& canonical);

}  // namespace araldo::audit
