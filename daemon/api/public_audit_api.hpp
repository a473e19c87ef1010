#pragma once
// The audit log, checkable by anyone, without a key (a citizens' association, the
// prefecture, a journalist):
//   GET /public/audit/heads?since=SIZE&limit=N      signed tree heads, smallest first
//   GET /public/audit/consistency?from=N1&to=N2     RFC 9162 consistency proof between two
//                                                   published heads
//   GET /public/alerts/{id}/proof                   inclusion proof of a public alert's
//                                                   alert.accepted event in the latest head
// A witness keeps the heads (araldoctl audit watch) and later checks that the log only
// grew; nothing here needs trusting the server: heads are signed, proofs are checked
// against them. Proofs are computed from the leaf hashes, one at a time (a second
// request meanwhile is told to come back), so anonymous callers cannot pile them up.
#include <mutex>

#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class PublicAuditApi {
 public:
  explicit PublicAuditApi(store::Database& db) : db_(db) {}

  http::Response heads(const Call& call) const;
  http::Response consistency(const Call& call) const;
  http::Response alert_proof(const Call& call) const;  // {id}

 private:
  store::Database& db_;
  mutable std::mutex proofs_;
};

}  // namespace araldo::api
