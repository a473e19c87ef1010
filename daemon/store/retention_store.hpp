#pragma once
// Personal data kept no longer than needed (GDPR art. 5(1)(e)): processed webhook items
// once past the replay window (the door refuses older replays, so they recognise nothing
// any more), webhook bodies past the retention, and the clear number in the target of a
// delivery finished before the retention, which becomes its pseudonym. Each sweep that
// changes something is audited (privacy.retention_applied).
#include <chrono>

#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

struct Swept {
  long long inbound_items = 0;
  long long inbound_bodies = 0;
  long long delivery_targets = 0;
  long long conversations = 0;  // inbox conversations untouched for the retention period
  // The last delivery this pass looked at (0: none): the next pass starts after it, so a
  // row left as it was never holds the passes behind it.
  long long last_delivery_id = 0;
  bool any() const { return inbound_items + inbound_bodies + delivery_targets + conversations > 0; }
};

// One pass, at most `batch` rows of each kind, in one transaction; deliveries after
// `after_delivery_id`. A delivery whose pseudonym its alert already reaches on that channel
// and part (the unique key would refuse it) is left as it is, not refused with the batch.
Swept sweep_personal_data(Database& db, std::chrono::seconds replay_window,
                          std::chrono::seconds retention, const privacy::Pseudonyms& pseudonyms,
                          int batch, long long after_delivery_id = 0);

}  // namespace araldo::store
