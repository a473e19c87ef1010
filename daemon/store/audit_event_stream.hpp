#pragma once
// Every audit event a filter selects, read in chain order from one snapshot, a batch at a
// time through a server-side cursor: an export of millions of events holds one batch in
// memory, and events committed while it runs are not half in it.
#include <memory>
#include <vector>

#include "daemon/config/secret.hpp"
#include "daemon/store/listing_store.hpp"

namespace araldo::store {

class AuditEventStream {
 public:
  // Opens a connection of its own (an export may outlast any pooled request); throws
  // DatabaseUnavailable.
  AuditEventStream(const config::Secret& dsn, const AuditFilter& filter);
  ~AuditEventStream();
  AuditEventStream(const AuditEventStream&) = delete;
  AuditEventStream& operator=(const AuditEventStream&) = delete;

  // The next events, at most `n`; empty at the end.
  std::vector<AuditRow> next(int n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace araldo::store
