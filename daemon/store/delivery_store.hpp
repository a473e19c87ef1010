#pragma once
// The queue: claiming due deliveries under a lease, and recording what happened.
// Every statement here takes its time from the database clock, so several daemons on
// one database agree on what is due and when a lease has expired.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/delivery_types.hpp"

#include "daemon/store/database.hpp"

namespace araldo::store {

// Locks up to `limit` due deliveries of the filtered channels (highest priority first,
// skipping rows other workers hold), marks them sending under a lease for `owner`, and
// logs the claim, in one statement. Expired leases are claimed again like due work.
std::vector<ClaimedDelivery> claim_due(
    pqxx::connection& conn, const std::string& owner, int limit, std::chrono::milliseconds lease,
    const ChannelFilter& filter,
    std::chrono::milliseconds validity_without_expiry = std::chrono::hours(24));

// claim_due for one channel, taking at most as many as it has send slots up to
// now + lookahead. The channel's next free slot lives in one row (channel_buckets), locked
// for the claim, so every daemon on the database draws from the same rate.
PacedClaim claim_paced(pqxx::connection& conn, const std::string& owner, int limit,
                       std::chrono::milliseconds lease, const std::string& channel,
                       const PacedClaimRate& rate,
                       std::chrono::milliseconds validity_without_expiry = std::chrono::hours(24));

// Writes each attempt and its consequence, only if `owner` still holds the lease (a
// worker whose lease expired must not overwrite the one that took over); the attempt is
// logged either way. A delivered part makes the next part due; a failed part fails the
// later ones, so a thread is never posted out of order. One transaction for the batch.
// Returns, per record, whether its delivery row was updated.
std::vector<bool> record_attempts(pqxx::connection& conn, const std::string& owner,
                                  const std::vector<AttemptRecord>& records);

// Dead letters: puts failed deliveries back in the queue, due now, for an operator
// (`actor`, audited with the error each had). Either one delivery (with the later parts
// its failure withheld) or every failed delivery of an alert. An alert that has expired
// is not retried. Returns the ids queued again (the caller wakes the dispatchers).
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

// Marks as expired every delivery not yet sent whose alert's expiry has passed (and
// audits each). Returns how many.
int expire_due(pqxx::connection& conn);

// A delivery whose lease expired this many times (each time its worker died while sending
// it) is not claimed again: fail_abandoned() fails it, for an operator to look at.
inline constexpr int max_lease_expiries = 5;
int fail_abandoned(pqxx::connection& conn);

// Hands back what `owner` still holds (shutdown): due again now, nothing lost.
int release_leases(pqxx::connection& conn, const std::string& owner);

// Time until the next delivery falls due or a lease expires; nullopt when nothing waits.
std::optional<std::chrono::milliseconds> time_until_next_due(pqxx::connection& conn,
                                                             const ChannelFilter& filter);

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
