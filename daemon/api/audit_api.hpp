#pragma once
// GET /v1/audit/verify?expect_head=SIZE:ROOT&public_key=HEX — `araldoctl audit verify` for
// auditors without database access: the daemon checks the whole log in one snapshot, on
// two connections of its own, and answers the report (200 either way: a broken log is the
// answer, not an error).
#include "daemon/api/route_table.hpp"
#include "daemon/config/secret.hpp"

namespace araldo::api {

class AuditApi {
 public:
  explicit AuditApi(config::Secret dsn) : dsn_(std::move(dsn)) {}
  http::Response verify(const Call& call) const;

 private:
  config::Secret dsn_;
};

}  // namespace araldo::api
