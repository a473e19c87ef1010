#pragma once
// The operators' actions on deliveries and their reads: retrying what failed, cancelling
// what an alert has not sent, listing the delivery log. The queue's own statements
// (claim, record, sweep) are in delivery_queue_store.hpp.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/model/delivery_state.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

// Dead letters: puts failed deliveries back in the queue, due now, for an operator
// (`actor`, audited with the error each had). Either one delivery (with the later parts
// its failure withheld) or every failed delivery of an alert. An alert that has expired,
// or was cancelled or updated, is not retried. Returns the ids queued again (the caller
// wakes the dispatchers).
std::vector<long long> retry_failed(pqxx::connection& conn, const std::string& actor,
                                    std::optional<long long> delivery_id,
                                    std::optional<std::string> alert_id);

// Cancels what an alert has not sent yet (pending or retrying: in-flight sends finish
// and are recorded), audited with the operator's name, and records `kind`
// (alert.cancelled, or alert.superseded by an update) even when nothing
// was left to stop. Returns how many.
int cancel_alert(pqxx::connection& conn, const std::string& actor, const std::string& alert_id,
                 const std::string& kind = "alert.cancelled",
                 const boost::json::object& detail = {});

// A follow-up: the alert again, as round `round`, to the subscribers who have not answered.
struct FollowUp {
  std::string refusal;  // not empty: why nothing was sent (the alert asks no answer, ...)
  int round = 0;
  long long recipients = 0;
  long long deliveries = 0;
};
// Queues the alert's messages again (every part, as new deliveries of the same alert, due
// now) for each subscriber it was sent to who has not answered, whose last message of this
// alert went at least `after_minutes` ago and who is still subscribed. Audited as
// alert.followed_up. nullopt: no such alert.
std::optional<FollowUp> follow_up(Database& db, const std::string& alert_id, int after_minutes,
                                  const std::string& actor);

struct DeliveryRow {
  long long id = 0;
  std::string alert_id;
  std::string channel;
  std::string target;
  int part = 1;
  int parts = 1;
  model::DeliveryState state = model::DeliveryState::pending;
  int attempts = 0;
  std::optional<std::string> last_error;  // the platform's last answer, when it refused
  std::string updated_at;
  std::string created_at;
  std::optional<std::string> first_attempt_at, finished_at, platform_id;
  std::string text;  // exactly what was (or will be) sent
  std::string channel_type;
  // A citizen's number or private chat id, and how an auditor sees it: schema/018's
  // araldo_personal_target and araldo_masked, the one place the rule is written.
  bool personal = false;
  std::string masked_target;
};

struct DeliveryFilter {
  std::vector<model::DeliveryState> states;  // empty: every state
  std::optional<std::string> alert_id, channel, target;
  std::optional<std::string> since, until;  // created_at
};

// Deliveries matching `filter`, by id after `after_id`, at most `limit`.
std::vector<DeliveryRow> list_deliveries(pqxx::connection& conn, const DeliveryFilter& filter,
                                         long long after_id, int limit);

// One delivery's row, if it exists.
std::optional<DeliveryRow> find_delivery(pqxx::connection& conn, long long id);

// An operator's actions and reads, each on a pooled connection.
std::vector<DeliveryRow> list_deliveries(Database& db, const DeliveryFilter& filter,
                                         long long after_id, int limit);
// nullopt when there is no such alert.
std::optional<std::vector<long long>> retry_failed_alert(Database& db, const std::string& actor,
                                                         const std::string& alert_id);

// Retrying one delivery: what was found, and what was queued again.
struct DeliveryRetry {
  std::optional<DeliveryRow> found;  // nullopt: no such delivery
  std::vector<long long> queued;     // empty: not failed, or its alert has expired
};
DeliveryRetry retry_delivery(Database& db, const std::string& actor, long long delivery_id);

// nullopt when there is no such alert; otherwise how many deliveries were cancelled.
std::optional<int> cancel_alert(Database& db, const std::string& actor, const std::string& alert_id,
                                const std::string& kind = "alert.cancelled",
                                const boost::json::object& detail = {});

}  // namespace araldo::store
