#include "daemon/intake/approval_expiry.hpp"

#include <spdlog/spdlog.h>

#include "daemon/store/approval_store.hpp"

namespace araldo::intake {

void expire_approvals(store::Database& db) {
  if (const int n = store::expire_approvals(db)) {
    spdlog::warn("event=alert.approval_expired alerts={}", n);
  }
}

}  // namespace araldo::intake
