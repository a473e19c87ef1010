#include "daemon/metrics/araldo_metrics.hpp"

namespace araldo::metrics {

void describe_all(Registry& r) {
  r.describe("araldo_alerts_accepted_total", Type::counter, "Alerts accepted, by how they came.");
  r.describe("araldo_alerts_refused_total", Type::counter,
             "Alert submissions refused, by problem type.");
  r.describe("araldo_delivery_attempts_total", Type::counter,
             "Send attempts, by channel and outcome class (delivered, retry_after, transient, "
             "permanent).");
  r.describe("araldo_deliveries_finished_total", Type::counter,
             "Deliveries that reached a final state (sent, failed), by channel.");
  r.describe("araldo_deliveries", Type::gauge,
             "Unfinished deliveries, by channel and state (pending, retrying, sending).");
  r.describe("araldo_send_latency_seconds", Type::histogram,
             "Time from a request to the platform to its answer, by channel.", latency_buckets());
  r.describe("araldo_accept_to_platform_seconds", Type::histogram,
             "Time from an alert's acceptance (or scheduled time) to the platform's acceptance "
             "of each delivered message, by channel.",
             {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600});
  r.describe("araldo_queue_due", Type::gauge, "Deliveries due now and not claimed, by channel.");
  r.describe("araldo_queue_oldest_due_age_seconds", Type::gauge,
             "Age of the oldest due delivery, by channel (0 when none is due).");
  r.describe("araldo_rate_slots_booked_seconds", Type::gauge,
             "How far ahead a channel's shared send slots are booked (its rate limiter's state).");
  r.describe("araldo_channel_state", Type::gauge,
             "1 for the channel's current state (ok, throttled, stopped), 0 for the others.");
  r.describe("araldo_webhook_notifications_total", Type::counter,
             "Webhook and poll notifications, by channel, kind and verdict.");
  r.describe("araldo_webhook_duplicates_total", Type::counter,
             "Webhook items already stored (retries, replays), by channel.");
  r.describe("araldo_inbound_items_processed_total", Type::counter,
             "Inbound items applied, by kind and outcome.");
  r.describe("araldo_inbound_items_waiting", Type::gauge, "Inbound items stored, not applied yet.");
  r.describe("araldo_inbound_answers_total", Type::counter,
             "Confirmations sent to citizens, by channel and outcome class.");
  r.describe("araldo_db_pool_connections", Type::gauge,
             "Database pool connections, by state (open, idle, size, waiting).");
  r.describe(
      "araldo_store_refused_rows_total", Type::counter,
      "Rows the database refused on the dispatch path, by statement (record,"
      " claim_or_sweep): each ended its own delivery as failed, explained; the rest went on.");
  r.describe("araldo_audit_unsealed_events", Type::gauge,
             "Audit events written and not sealed into the Merkle log yet.");
  r.describe("araldo_audit_sealing_lag_seconds", Type::gauge,
             "Age of the oldest audit event not sealed yet (0 when all are sealed).");
}

void count_attempt(Registry& r, const delivery::AttemptRecord& rec,
                   const delivery::Recorded& recorded) {
  r.inc("araldo_delivery_attempts_total", {{"channel", rec.channel}, {"outcome", rec.outcome}});
  r.observe("araldo_send_latency_seconds", {{"channel", rec.channel}},
            static_cast<double>(rec.latency_ms) / 1000.0);
  if (recorded.refused) {
    // Written as failed instead: what the database refused is in its reason.
    r.inc("araldo_store_refused_rows_total", {{"statement", "record"}});
    r.inc("araldo_deliveries_finished_total", {{"channel", rec.channel}, {"state", "failed"}});
    return;
  }
  const auto state = rec.effects.next_state;
  const bool sent = state == model::DeliveryState::sent;
  if (sent || state == model::DeliveryState::failed) {
    r.inc("araldo_deliveries_finished_total",
          {{"channel", rec.channel}, {"state", sent ? "sent" : "failed"}});
  }
  if (sent && rec.accepted_at.time_since_epoch().count() > 0) {
    const auto age = std::chrono::system_clock::now() - rec.accepted_at;
    r.observe("araldo_accept_to_platform_seconds", {{"channel", rec.channel}},
              std::max(0.0, std::chrono::duration<double>(age).count()));
  }
}

}  // namespace araldo::metrics
