#include "daemon/intake/approval_expiry.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "daemon/store/approval_store.hpp"

namespace araldo::intake {

void ApprovalExpiry::run(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any woken;
  while (!stop.stop_requested()) {
    try {
      if (const int n = store::expire_approvals(db_)) {
        spdlog::warn("event=alert.approval_expired alerts={}", n);
      }
    } catch (const std::exception& e) {
      spdlog::error("event=approval.sweep_failed error=\"{}\"", e.what());
    }
    std::unique_lock lock(m);
    woken.wait_for(lock, stop, interval_, [] { return false; });
  }
}

}  // namespace araldo::intake
