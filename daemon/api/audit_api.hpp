#pragma once
// GET /v1/audit/verify?expect_head=SIZE:ROOT&public_key=HEX — `araldoctl audit verify` for
// auditors without database access: the daemon checks the whole log in one snapshot, on
// two connections of its own, and answers the report (200 either way: a broken log is the
// answer, not an error). Without public_key, every head must be signed by the daemon's own
// configured key: a log signed by any other key is broken, never valid by itself.
#include <optional>
#include <string>

#include "daemon/api/route_table.hpp"
#include "daemon/config/secret.hpp"

namespace araldo::api {

class AuditApi {
 public:
  AuditApi(config::Secret dsn, std::optional<std::string> public_key)
      : dsn_(std::move(dsn)), public_key_(std::move(public_key)) {}
  http::Response verify(const Call& call) const;

 private:
  config::Secret dsn_;
  std::optional<std::string> public_key_;
};

}  // namespace araldo::api
