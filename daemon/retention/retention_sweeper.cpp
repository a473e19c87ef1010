#include "daemon/retention/retention_sweeper.hpp"

#include <spdlog/spdlog.h>

#include "daemon/store/retention_store.hpp"

namespace araldo::retention {

void sweep_once(store::Database& db, const privacy::Pseudonyms& pseudonyms,
                std::chrono::seconds replay_window, std::chrono::seconds retention) {
  long long after = 0;
  for (int pass = 0; pass < 100; ++pass) {
    const auto swept =
        store::sweep_personal_data(db, replay_window, retention, pseudonyms, 1000, after);
    after = swept.last_delivery_id;
    if (!swept.any() && after == 0) return;
    if (swept.any()) {
      spdlog::info(
          "event=privacy.retention_applied inbound_items={} inbound_bodies={} "
          "delivery_targets={}",
          swept.inbound_items, swept.inbound_bodies, swept.delivery_targets);
    }
  }
}

}  // namespace araldo::retention
