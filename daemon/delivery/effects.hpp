#pragma once
// What one attempt's outcome does to a delivery: computed by delivery::plan()
// (lifecycle.hpp), carried in its AttemptRecord, executed by the store.
#include <chrono>
#include <optional>
#include <string>

#include "daemon/model/delivery_state.hpp"

namespace araldo::delivery {

using model::DeliveryState;

// What one attempt's outcome does. The store executes exactly this.
struct Effects {
  DeliveryState next_state = DeliveryState::failed;  // sent, retrying, failed or pending
  // Due again after this long (retrying, or pending after a fall back); nullopt: as is.
  std::optional<std::chrono::milliseconds> due_in;
  std::optional<std::string> platform_id;  // kept on the row (sent)
  std::string reason;                      // last_error and the audit reason; empty when sent
  std::string audit_kind;                  // delivery.sent / failed / retry_scheduled / ...
  bool next_part_due = false;              // the next part of its thread goes now
  bool withhold_later_parts = false;       // the later parts fail with it (never out of order)
  bool fall_back_to_reply = false;         // becomes a reply with its fallback text, due now
  // The target has a new address (a Telegram group became a supergroup): this delivery and
  // its later parts move there, unless the alert already reaches it: then cancelled,
  // with `taken_reason`.
  struct Move {
    std::string from, to, taken_reason;
  };
  std::optional<Move> move;
  // The recipient ended the contact: a subscriber at this target is unsubscribed (an
  // opt-out of kind "blocked", with `reason` as its evidence).
  bool recipient_left = false;
  // The dispatcher should claim this channel again at once.
  bool wake_channel = false;
};

}  // namespace araldo::delivery
