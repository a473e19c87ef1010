#include "daemon/retention/retention_sweeper.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "daemon/store/retention_store.hpp"

namespace araldo::retention {

void RetentionSweeper::run(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any woken;
  while (!stop.stop_requested()) {
    try {
      for (int pass = 0; pass < 100 && !stop.stop_requested(); ++pass) {
        const auto swept =
            store::sweep_personal_data(db_, replay_window_, retention_, pseudonyms_, 1000);
        if (!swept.any()) break;
        spdlog::info(
            "event=privacy.retention_applied inbound_items={} inbound_bodies={} "
            "delivery_targets={}",
            swept.inbound_items, swept.inbound_bodies, swept.delivery_targets);
      }
    } catch (const std::exception& e) {
      // The database may be away; the next round tries again.
      spdlog::warn("event=privacy.retention_failed error=\"{}\"", e.what());
    }
    std::unique_lock lock(mutex);
    woken.wait_for(lock, stop, interval_, [] { return false; });
  }
}

}  // namespace araldo::retention
