#pragma once
// A delivery's life in one place. Two pure functions say everything that can happen to
// a delivery: after() for the queue's own events (claims, lease expiries, cancels,
// retries by an operator), plan() for what one attempt's outcome means. The send thread
// calls plan(), the store executes the effects and writes its WHERE clauses from
// states_where(); nothing else interprets an outcome or picks a state.
//
//   pending ──claim──▶ sending ──▶ sent
//      ▲                  │  ├──▶ retrying ──(due again)──▶ claimed like pending
//      │                  │  ├──▶ pending (a refused edit or removal falls back to a reply)
//      └──(retry asked)── │  └──▶ failed ──(retry asked)──▶ pending
//                         └──(alert expired / cancelled / chat taken)──▶ expired / cancelled
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/outcome.hpp"
#include "daemon/delivery/delivery_records.hpp"
#include "daemon/delivery/effects.hpp"
#include "daemon/delivery/retry_policy.hpp"

namespace araldo::delivery {

using model::DeliveryState;

// The queue's own events, apart from an attempt's outcome.
enum class Event {
  claim,           // due (pending or retrying) → sending, under a lease
  reclaim,         // its lease expired (the worker died): sending → sending, new lease
  release,         // the worker hands back its lease at shutdown: sending → retrying
  abandon,         // its lease expired too often: sending → failed
  cancel,          // an operator cancelled the alert: unsent → cancelled
  supersede,       // an update replaced the alert: unsent → cancelled
  expire,          // the alert expired: unsent (or a dead worker's lease) → expired
  operator_retry,  // an operator retries a failed delivery: failed → pending
  withhold,        // an earlier part failed: unsent later parts → failed
};

std::string_view to_string(Event event);

// The state `event` takes a delivery in `from` to; nullopt: it does not apply there.
std::optional<DeliveryState> after(DeliveryState from, Event event);

// Every state from which `event` applies, in the order of DeliveryState.
std::vector<DeliveryState> states_where(Event event);

// The same, as a SQL list of quoted names: "'pending','retrying'". The store's
// statements use it, so the SQL and after() cannot disagree.
std::string sql_states(Event event);

// Whether a state is final: nothing but an operator's retry (of `failed`) leaves it.
bool is_final(DeliveryState state);

// `outcome` must be storable (storable.hpp); `elapsed` is how long the attempt took, off
// the alert's remaining validity; `random01` in [0, 1) draws the backoff's jitter.
Effects plan(const ClaimedDelivery& delivery, const channels::Outcome& outcome,
             const RetryPolicy& policy, double random01, std::chrono::milliseconds elapsed);

// The effects of a delivery that was claimed but not tried: handed back to wait (a
// paused channel, the target's pace) or failed before a request existed.
Effects deferred(std::chrono::milliseconds due_in, std::string reason);
Effects failed_unsent(const ClaimedDelivery& delivery, std::string reason);

// A record naming the claimed delivery, its outcome and effects still to fill in.
AttemptRecord record_for(const ClaimedDelivery& delivery);

}  // namespace araldo::delivery
