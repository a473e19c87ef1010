#pragma once
// Seals the audit log: takes every event whose transaction can no longer commit (its id is
// below the oldest running transaction's), in (transaction id, event id) order, appends
// them as leaves of the Merkle tree and writes a signed tree head, in one transaction.
// Writers never wait for it; only sequencers take its lock, so one seals at a time however
// many daemons run.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "daemon/audit/head_signer.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/store/database.hpp"

namespace araldo::audit {

struct SealResult {
  long long sealed = 0;         // events added by this seal
  std::uint64_t tree_size = 0;  // the tree's size after it
  bool had_lock = false;        // false: another sequencer is sealing
};

class Sequencer {
 public:
  // Without a signing key, heads are written unsigned (verify says so).
  explicit Sequencer(std::optional<config::Secret> signing_key, int batch = 50'000);
  ~Sequencer();

  SealResult seal_once(store::Connection& conn) const;
  std::optional<std::string> public_key_hex() const;

  // Seals every `interval` until `stop`, on its own connection (reconnecting with backoff).
  void run(const config::Secret& dsn, std::chrono::milliseconds interval, std::stop_token stop);

 private:
  std::unique_ptr<HeadSigner> signer_;
  int batch_;
};

}  // namespace araldo::audit
