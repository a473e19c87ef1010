#pragma once
// The queue: claiming due deliveries under a lease, recording what each attempt did, and
// the sweeps (expired alerts, abandoned leases, leases handed back). Every statement takes
// its time from the database clock, so several daemons on one database agree on what is
// due and when a lease has expired. What a state change means is decided in
// daemon/delivery/lifecycle; these statements only execute it.
//
// One row never stops the rest: a row the database refuses (pq.hpp's is_row_refusal) is
// isolated by the caller (PgDeliveryQueue) and ends, alone, as failed with what the
// database said.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/delivery/delivery_records.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"  // pqxx::connection

namespace araldo::store {

// Locks up to `limit` due deliveries of the filtered channels (highest priority first,
// skipping rows other workers hold), marks them sending under a lease for `owner`, and
// logs the claim, in one statement. Expired leases are claimed again like due work.
std::vector<delivery::ClaimedDelivery> claim_due(
    pqxx::connection& conn, const std::string& owner, int limit, std::chrono::milliseconds lease,
    const delivery::ChannelFilter& filter,
    std::chrono::milliseconds validity_without_expiry = std::chrono::hours(24));

// claim_due for one channel, taking at most as many as it has send slots up to
// now + lookahead. The channel's next free slot lives in one row (channel_buckets), locked
// for the claim, so every daemon on the database draws from the same rate.
delivery::PacedClaim claim_paced(
    pqxx::connection& conn, const std::string& owner, int limit, std::chrono::milliseconds lease,
    const std::string& channel, const delivery::PacedClaimRate& rate,
    std::chrono::milliseconds validity_without_expiry = std::chrono::hours(24));

// Writes each attempt and its consequence, only if `owner` still holds the lease (a
// worker whose lease expired must not overwrite the one that took over); the attempt is
// logged either way. A delivered part makes the next part due; a failed part fails the
// later ones, so a thread is never posted out of order. One transaction for the batch.
// Returns, per record, whether its delivery row was updated.
// `of_cancelled_alert`, when given, is set if a written record's alert was cancelled or
// updated (only then can a correction be waiting for it: release_waiting_corrections).
// A recipient who left (blocked the bot) is unsubscribed, audited by `pseudonyms`.
std::vector<bool> record_attempts(pqxx::connection& conn, const std::string& owner,
                                  const std::vector<delivery::AttemptRecord>& records,
                                  const privacy::Pseudonyms& pseudonyms,
                                  bool* of_cancelled_alert = nullptr);

// Writes what the database refused of `rec` instead: the delivery failed, the reason
// naming the refusal, the platform's answer kept as far as it is certainly storable,
// audited. False if `owner` no longer holds the lease.
bool record_refused(pqxx::connection& conn, const std::string& owner,
                    const delivery::AttemptRecord& rec, const std::string& refusal);

// Corrections that waited for posts being sent when the alert was cancelled or updated:
// due now once every such post has its outcome, or cancelled, explained, from the first
// post that was never published. Returns the channels with corrections due.
std::vector<std::string> release_waiting_corrections(pqxx::connection& conn);

// Fails one unsent or leased delivery that `statement` could not change, audited.
bool fail_refused_row(pqxx::connection& conn, long long id, const std::string& refusal,
                      const std::string& statement);

// The delivery a claim of one would take on `channel` (none: nothing due).
std::vector<long long> first_claimable(pqxx::connection& conn, const std::string& channel);

// Marks as expired every delivery not yet sent whose alert's expiry has passed (and
// audits each). Returns how many.
int expire_due(
    pqxx::connection& conn, const std::function<void()>& on_refused = [] {});

// Ends as cancelled what is still to send of an alert that was cancelled or updated (an
// attempt recorded in the instant the cancel committed). Returns how many.
int cancel_late(
    pqxx::connection& conn, const std::function<void()>& on_refused = [] {});

// A delivery whose lease expired this many times (each time its worker died while sending
// it) is not claimed again: fail_abandoned() fails it, for an operator to look at.
inline constexpr int max_lease_expiries = 5;
int fail_abandoned(
    pqxx::connection& conn, const std::function<void()>& on_refused = [] {});

// Hands back what `owner` still holds (shutdown): due again now, nothing lost.
int release_leases(
    pqxx::connection& conn, const std::string& owner,
    const std::function<void()>& on_refused = [] {});

// Time until the next delivery falls due or a lease expires; nullopt when nothing waits.
std::optional<std::chrono::milliseconds> time_until_next_due(pqxx::connection& conn,
                                                             const delivery::ChannelFilter& filter);

}  // namespace araldo::store
