#pragma once
// GET /v1/audit/export: every audit event a filter selects (the filters of /v1/audit), as
// CSV or JSON Lines (`format=csv|jsonl`, or the Accept header), streamed as it is read
// from one database snapshot: the daemon holds one batch at a time, whatever the size.
#include "daemon/api/route_table.hpp"
#include "daemon/config/secret.hpp"

namespace araldo::api {

class ExportApi {
 public:
  explicit ExportApi(config::Secret dsn) : dsn_(std::move(dsn)) {}
  http::Response audit(const Call& call) const;

 private:
  config::Secret dsn_;
};

}  // namespace araldo::api
