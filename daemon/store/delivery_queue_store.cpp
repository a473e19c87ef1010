#include "daemon/store/delivery_queue_store.hpp"

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <set>

#include "daemon/delivery/lifecycle.hpp"
#include "daemon/delivery/storable.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/consent.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

using delivery::Event;
using delivery::sql_states;

namespace {

std::string json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

// "channel = ANY (...)" or "channel <> ALL (...)", for a jsonb array parameter $n.
std::string channel_condition(const delivery::ChannelFilter& filter, int n) {
  return std::string(filter.only_these ? "channel = ANY" : "channel <> ALL") +
         " (ARRAY(SELECT jsonb_array_elements_text($" + std::to_string(n) + "::jsonb)))";
}

// Whether a delivery's alert has expired, for a WHERE clause on deliveries.
constexpr const char* alert_expired =
    "coalesce((SELECT a.expires_at <= now() FROM alerts a WHERE a.id = deliveries.alert_id),"
    " false)";

}  // namespace

namespace {

// Two index-ordered walks, each cut at `limit`: due work (highest priority first) and
// leases a dead worker left behind. One OR over both would sort every due row instead.
std::vector<delivery::ClaimedDelivery> claim_in(pqxx::work& tx, const std::string& owner, int limit,
                                                std::chrono::milliseconds lease,
                                                const std::string& channel_sql,
                                                const std::string& channel_arg,
                                                std::chrono::milliseconds validity_without_expiry) {
  // Expired alerts are never sent (expire_due() marks them). A per-row subplan, not NOT
  // EXISTS: as an anti-join the planner sorted all due rows instead of walking the index.
  const std::string not_expired = " AND NOT " + std::string(alert_expired);
  const std::string sql =
      "WITH fresh AS ("
      "  SELECT id, state AS previous_state FROM deliveries"
      "   WHERE state IN (" +
      sql_states(Event::claim) + ") AND next_attempt_at <= now() AND " + channel_sql + not_expired +
      "   ORDER BY priority DESC, next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED),"
      " stale AS ("
      "  SELECT id, state AS previous_state FROM deliveries"
      "   WHERE state = 'sending' AND lease_expires_at <= now() AND lease_expiries < $6 AND " +
      channel_sql + not_expired +
      "   ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED),"
      " due AS (SELECT * FROM stale UNION ALL"
      "         (SELECT * FROM fresh LIMIT greatest(0, $2 - (SELECT count(*) FROM stale)))),"
      " claimed AS ("
      "  UPDATE deliveries d"
      "     SET state = 'sending', lease_owner = $1,"
      "         lease_expires_at = now() + $3 * interval '1 millisecond',"
      "         attempts = d.attempts + 1, updated_at = now(),"
      "         first_attempt_at = coalesce(d.first_attempt_at, now()),"
      "         lease_expiries = d.lease_expiries + (due.previous_state = 'sending')::int"
      "    FROM due WHERE d.id = due.id"
      "  RETURNING d.id, d.alert_id, d.channel, d.target, d.rendered_text, d.attempts,"
      "            due.previous_state = 'sending' AS reclaimed, d.part, d.parts, d.action,"
      "            d.refers_to, d.fallback_text IS NOT NULL AS has_fallback, d.language,"
      "            d.channel_type, d.round),"
      // The claim is audited in the same statement: one round trip per batch.
      " logged AS (" +
      append_audit_sql(
          "SELECT id AS n, 'system' AS actor, 'delivery.claimed' AS kind, alert_id,"
          "       id AS delivery_id,"
          "       jsonb_build_object('worker', $1::text, 'attempt', attempts,"
          "                          'reclaimed_expired_lease', reclaimed)"
          // At least once: the dead worker may have sent it before it could record.
          "       || CASE WHEN reclaimed THEN jsonb_build_object('previous_attempt_outcome',"
          "            'unknown: its worker stopped before recording an answer; the platform"
          " may have it') ELSE '{}'::jsonb END AS detail"
          "  FROM claimed") +
      ")"
      " SELECT c.id, c.alert_id::text, c.channel, c.target, c.rendered_text, c.attempts,"
      "        c.reclaimed, c.part, c.parts,"
      // Only a later part looks for the one before it: a plan made while the table was
      // small may walk every delivery of the alert for it.
      "        CASE WHEN c.part > 1 THEN (SELECT p.platform_id FROM deliveries p"
      "            WHERE p.alert_id = c.alert_id AND p.channel = c.channel"
      "            AND p.target = c.target AND p.part = c.part - 1 AND p.round = c.round) END,"
      "        greatest(0, extract(epoch FROM coalesce(a.expires_at,"
      "                 coalesce(a.send_at, a.accepted_at) + $5 * interval '1 millisecond')"
      "                 - now()) * 1000)::bigint,"
      "        c.action, (SELECT o.platform_id FROM deliveries o WHERE o.id = c.refers_to),"
      "        c.has_fallback,"
      "        (extract(epoch FROM coalesce(a.send_at, a.accepted_at)) * 1000)::bigint,"
      "        c.language, a.asks_ack AND c.part = c.parts AND c.action = 'send'"
      "          AND araldo_personal_target(c.channel_type, c.target)"
      "   FROM claimed c JOIN alerts a ON a.id = c.alert_id ORDER BY c.id";
  // Prepared once per connection and variant: planning this statement cost about as much
  // as a tenth of claiming 256 rows.
  const auto name = "araldo_claim_" + std::to_string(std::hash<std::string>{}(sql));
  tx.conn().prepare(name, sql);
  const auto rows =
      tx.exec_prepared(name, owner, limit, static_cast<long long>(lease.count()), channel_arg,
                       static_cast<long long>(validity_without_expiry.count()), max_lease_expiries);

  std::vector<delivery::ClaimedDelivery> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    delivery::ClaimedDelivery d;
    d.id = r[0].as<long long>();
    d.alert_id = r[1].as<std::string>();
    d.channel = r[2].as<std::string>();
    d.target = r[3].as<std::string>();
    d.rendered_text = r[4].as<std::string>();
    d.attempt = r[5].as<int>();
    d.reclaimed = r[6].as<bool>();
    d.part = r[7].as<int>();
    d.parts = r[8].as<int>();
    if (!r[9].is_null()) d.previous_part_id = r[9].as<std::string>();
    d.valid_for = std::chrono::milliseconds(r[10].as<long long>());
    d.action = r[11].as<std::string>();
    if (!r[12].is_null()) d.subject_id = r[12].as<std::string>();
    d.has_fallback = r[13].as<bool>();
    d.accepted_at =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(r[14].as<long long>()));
    d.language = r[15].as<std::string>();
    d.asks_ack = r[16].as<bool>();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::vector<delivery::ClaimedDelivery> claim_due(
    pqxx::connection& conn, const std::string& owner, int limit, std::chrono::milliseconds lease,
    const delivery::ChannelFilter& filter, std::chrono::milliseconds validity_without_expiry) {
  pqxx::work tx(conn);
  auto out = claim_in(tx, owner, limit, lease, channel_condition(filter, 4),
                      json_list(filter.channels), validity_without_expiry);
  tx.commit();
  return out;
}

delivery::PacedClaim claim_paced(pqxx::connection& conn, const std::string& owner, int limit,
                                 std::chrono::milliseconds lease, const std::string& channel,
                                 const delivery::PacedClaimRate& rate,
                                 std::chrono::milliseconds validity_without_expiry) {
  using std::chrono::microseconds;
  pqxx::work tx(conn);
  // Locked until commit: daemons sharing the channel take its slots one at a time.
  const auto bucket = tx.exec_params1(
      "INSERT INTO channel_buckets (channel) VALUES ($1)"
      " ON CONFLICT (channel) DO UPDATE SET channel = excluded.channel"
      " RETURNING (extract(epoch FROM next_slot) * 1000000)::bigint,"
      "           (extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
      channel);
  const auto local_now = std::chrono::steady_clock::now();
  const microseconds next_free(bucket[0].as<long long>());
  const microseconds db_now(bucket[1].as<long long>());
  const auto grant = delivery::grant_slots(next_free, db_now, rate.shape, rate.lookahead, limit);
  delivery::PacedClaim result;
  if (grant.count >= 1) {
    result.claimed =
        claim_in(tx, owner, grant.count, lease, "channel = $4", channel, validity_without_expiry);
  }
  const int used = static_cast<int>(result.claimed.size());
  for (int i = 0; i < used; ++i)
    result.claimed[i].release_at = local_now + (grant.after(i) - db_now);
  result.limited_by_rate = grant.count < limit && used == grant.count;
  const auto next_free_after = grant.after(used);
  // Claim again once half the lookahead is used up: few, full claims.
  result.next_claim_in = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::max(microseconds(0), next_free_after - rate.lookahead / 2 - db_now));
  tx.exec_params0(
      "UPDATE channel_buckets SET next_slot = 'epoch'::timestamptz + $2 * interval '1 microsecond'"
      " WHERE channel = $1",
      channel, static_cast<long long>(next_free_after.count()));
  tx.commit();
  return result;
}

namespace {

// Parts after a failed one fail with it, so a thread is never posted out of order.
void withhold_later_parts(pqxx::work& tx, const delivery::AttemptRecord& rec) {
  const std::string reason = "not sent: part " + std::to_string(rec.part) + " of " +
                             std::to_string(rec.parts) +
                             " failed, and later parts would be out of order";
  tx.exec_params0(
      "WITH withheld AS ("
      "  UPDATE deliveries SET state = 'failed', last_error = $5, finished_at = now(),"
      "         updated_at = now()"
      "   WHERE alert_id = $1::uuid AND channel = $2 AND target = $3 AND part > $4"
      "     AND round = (SELECT round FROM deliveries WHERE id = $6)"
      "     AND state IN (" +
          sql_states(Event::withhold) +
          ")"
          "  RETURNING id, alert_id) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.failed' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', $5::text) AS detail"
                           "  FROM withheld"),
      rec.alert_id, rec.channel, rec.target, rec.part, reason, rec.delivery_id);
}

// The target moved for good (migrate_to_chat_id): the delivery and its later parts follow
// it, unless the alert already reaches the new address, which would get the message
// twice: then they end as cancelled, saying why. The move is remembered for later alerts.
void move_target(pqxx::work& tx, const delivery::AttemptRecord& rec,
                 const delivery::Effects::Move& move) {
  tx.exec_params0(
      "WITH thread AS ("
      "  SELECT id FROM deliveries WHERE alert_id = $1::uuid AND channel = $2 AND target = $3"
      "     AND part >= $4 AND state IN (" +
          sql_states(Event::claim) +
          ")),"
          " taken AS (SELECT EXISTS (SELECT 1 FROM deliveries WHERE alert_id = $1::uuid"
          "                             AND channel = $2 AND target = $5) AS yes),"
          " moved AS ("
          "  UPDATE deliveries d SET target = $5, updated_at = now() FROM thread, taken"
          "   WHERE d.id = thread.id AND NOT taken.yes RETURNING d.id, d.alert_id),"
          " cancelled AS ("
          "  UPDATE deliveries d SET state = 'cancelled', finished_at = now(), updated_at = now(),"
          "         last_error = $6 FROM thread, taken"
          "   WHERE d.id = thread.id AND taken.yes RETURNING d.id, d.alert_id),"
          " remembered AS ("
          "  INSERT INTO target_migrations (channel, from_target, to_target) VALUES ($2, $3, $5)"
          "  ON CONFLICT (channel, from_target) DO UPDATE SET to_target = excluded.to_target,"
          "     migrated_at = now() RETURNING 1) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.moved' AS kind, alert_id,"
                           "       id AS delivery_id,"
                           "       jsonb_build_object('from', $3::text, 'to', $5::text) AS detail"
                           "  FROM moved"
                           " UNION ALL "
                           "SELECT id, 'system', 'delivery.cancelled', alert_id, id,"
                           "       jsonb_build_object('reason', $6::text) FROM cancelled"),
      rec.alert_id, rec.channel, move.from, rec.part, move.to, move.taken_reason);
}

}  // namespace

std::vector<bool> record_attempts(pqxx::connection& conn, const std::string& owner,
                                  const std::vector<delivery::AttemptRecord>& records,
                                  const privacy::Pseudonyms& pseudonyms, bool* of_cancelled_alert) {
  // A fixed number of statements per batch, whatever its size: the outcome updates, the
  // audit events and the parts made due are each one set-based statement. Only a moved
  // target or a failed part of a thread adds one statement for itself.
  boost::json::array outcomes;
  for (const auto& rec : records) {
    const auto& e = rec.effects;
    boost::json::object o{{"id", rec.delivery_id},
                          {"state", model::to_string(e.next_state)},
                          {"fall_back", e.fall_back_to_reply}};
    if (e.due_in) o["due_ms"] = e.due_in->count();
    if (e.platform_id) o["platform_id"] = *e.platform_id;
    if (!e.reason.empty()) o["error"] = e.reason;
    outcomes.push_back(std::move(o));
  }
  pqxx::work tx(conn);
  // An attempt that would go on (a retry, a fall back) of an alert cancelled while it was
  // in flight ends cancelled instead: after(state, Event::cancel).
  const std::string late_cancel =
      "(r.state IN (" + sql_states(Event::cancel) + ") AND a.cancelled_at IS NOT NULL)";
  const auto rows = tx.exec_params(
      "UPDATE deliveries d SET state = CASE WHEN " + late_cancel +
          " THEN 'cancelled' ELSE r.state END,"
          " next_attempt_at = CASE WHEN r.due_ms IS NULL THEN d.next_attempt_at"
          "                        ELSE now() + r.due_ms * interval '1 millisecond' END,"
          // A refused edit or removal becomes a reply holding the notice, due at once.
          " action = CASE WHEN r.fall_back THEN 'reply' ELSE d.action END,"
          " rendered_text = CASE WHEN r.fall_back THEN d.fallback_text ELSE d.rendered_text END,"
          " fallback_text = CASE WHEN r.fall_back THEN NULL ELSE d.fallback_text END,"
          " lease_owner = NULL, lease_expires_at = NULL,"
          " platform_id = coalesce(r.platform_id, d.platform_id),"
          " last_error = CASE WHEN " +
          late_cancel +
          " THEN 'not sent again: the alert was cancelled while this attempt was in flight'"
          " ELSE coalesce(r.error, d.last_error) END, updated_at = now(),"
          " finished_at = CASE WHEN r.state IN ('sent','failed') OR " +
          late_cancel +
          " THEN now() END"
          " FROM jsonb_to_recordset($2::jsonb) AS r(id bigint, state text, due_ms bigint,"
          "                                        platform_id text, error text, fall_back "
          "boolean),"
          "      alerts a"
          // lease_owner is set exactly while a delivery is 'sending' (a CHECK says so). Naming
          // only it keeps the planner on the primary key: with `state = 'sending'` and
          // statistics from before a broadcast was claimed, it walked the leased index and
          // rescanned the JSON once per row (15 of 18 ms for 256 outcomes).
          " WHERE d.id = r.id AND d.lease_owner = $1 AND a.id = d.alert_id"
          " RETURNING d.id, to_json(d.next_attempt_at)#>>'{}', d.state = 'cancelled',"
          "           a.cancelled_at IS NOT NULL",
      owner, boost::json::serialize(outcomes));
  std::map<long long, std::string> next_attempt_at;
  std::set<long long> cancelled_late;
  for (const auto& r : rows) {
    next_attempt_at[r[0].as<long long>()] = r[1].as<std::string>();
    if (r[2].as<bool>()) cancelled_late.insert(r[0].as<long long>());
    if (of_cancelled_alert && r[3].as<bool>()) *of_cancelled_alert = true;
  }

  std::vector<bool> updated;
  updated.reserve(records.size());
  std::vector<AuditEvent> events;
  events.reserve(records.size() * 2);
  boost::json::array next_parts;
  std::vector<const delivery::AttemptRecord*> recipients_left;
  for (const auto& rec : records) {
    const auto& e = rec.effects;
    const auto found = next_attempt_at.find(rec.delivery_id);
    const bool ok = found != next_attempt_at.end();
    updated.push_back(ok);
    boost::json::object attempt{{"attempt", rec.attempt},
                                {"worker", owner},
                                {"outcome", rec.outcome},
                                {"latency_ms", rec.latency_ms}};
    if (rec.http_status) attempt["http_status"] = *rec.http_status;
    if (rec.platform_id) attempt["platform_id"] = *rec.platform_id;
    if (rec.error) attempt["error"] = *rec.error;
    if (!ok) attempt["lease_lost"] = true;
    events.push_back(
        {system_actor, "delivery.attempt", rec.alert_id, rec.delivery_id, std::move(attempt)});
    if (!ok) continue;  // the worker that took over records what happens next

    boost::json::object detail;
    if (cancelled_late.contains(rec.delivery_id)) {
      events.push_back({system_actor, "delivery.cancelled", rec.alert_id, rec.delivery_id,
                        boost::json::object{{"reason",
                                             "not sent again: the alert was cancelled while this"
                                             " attempt was in flight"}}});
      continue;
    }
    if (e.move) {
      move_target(tx, rec, *e.move);  // audits the move, or the cancellation
      continue;
    }
    if (e.fall_back_to_reply) {
      detail = {{"from", rec.action}, {"to", "reply"}, {"reason", e.reason}};
    } else if (e.next_state == model::DeliveryState::sent) {
      if (e.platform_id) detail["platform_id"] = *e.platform_id;
    } else if (e.next_state == model::DeliveryState::failed) {
      detail["reason"] = e.reason;
    } else {
      detail["next_attempt_at"] = found->second;
      if (!e.reason.empty()) detail["reason"] = e.reason;
    }
    events.push_back(
        {system_actor, e.audit_kind, rec.alert_id, rec.delivery_id, std::move(detail)});
    if (e.next_part_due) {
      next_parts.push_back(boost::json::object{{"alert_id", rec.alert_id},
                                               {"channel", rec.channel},
                                               {"target", rec.target},
                                               {"part", rec.part + 1},
                                               {"after", rec.delivery_id}});
    }
    if (e.withhold_later_parts) withhold_later_parts(tx, rec);
    if (e.recipient_left) recipients_left.push_back(&rec);
  }
  append_audit_events(tx, events);
  for (const auto* rec : recipients_left) {
    // Only a subscriber is unsubscribed; a chat from the configuration stays there.
    if (tx.exec_params("SELECT 1 FROM subscribers WHERE channel = $1 AND address = $2",
                       rec->channel, rec->target)
            .empty()) {
      continue;
    }
    opt_out(tx,
            {rec->channel, rec->target, 0, rec->effects.reason, system_actor,
             boost::json::object{{"delivery_id", rec->delivery_id}}},
            "blocked", pseudonyms);
  }
  if (!next_parts.empty()) {
    // A delivered part makes the next one due.
    tx.exec_params0(
        "UPDATE deliveries d SET next_attempt_at = now(), updated_at = now()"
        "  FROM jsonb_to_recordset($1::jsonb) AS n(alert_id uuid, channel text, target text,"
        "                                          part int, after bigint)"
        " WHERE d.alert_id = n.alert_id AND d.channel = n.channel AND d.target = n.target"
        "   AND d.part = n.part AND d.state = 'pending'"
        "   AND d.round = (SELECT round FROM deliveries x WHERE x.id = n.after)",
        boost::json::serialize(next_parts));
  }
  tx.commit();
  return updated;
}

bool record_refused(pqxx::connection& conn, const std::string& owner,
                    const delivery::AttemptRecord& rec, const std::string& refusal) {
  // Only what is certain to be storable: the database's own message made storable, and
  // the platform's answer as far as it can be kept, all re-checked here.
  const auto why = delivery::storable_text(refusal, 512);
  const std::string reason = "the database refused to record this attempt (" + why + ")";
  boost::json::object detail{{"reason", reason},
                             {"outcome", delivery::storable_text(rec.outcome, 64)}};
  if (rec.http_status) detail["http_status"] = *rec.http_status;
  if (rec.platform_id && delivery::is_storable_id(*rec.platform_id)) {
    detail["platform_id"] = *rec.platform_id;
  }
  if (rec.error) detail["platform_answer"] = delivery::storable_text(*rec.error, 512);
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "UPDATE deliveries SET state = 'failed', finished_at = now(), updated_at = now(),"
      "       lease_owner = NULL, lease_expires_at = NULL, last_error = $3"
      " WHERE id = $1 AND lease_owner = $2 RETURNING 1",
      rec.delivery_id, owner, reason);
  if (rows.empty()) return false;
  append_audit_event(
      tx, {system_actor, "delivery.failed", rec.alert_id, rec.delivery_id, std::move(detail)});
  if (rec.part < rec.parts) withhold_later_parts(tx, rec);
  tx.commit();
  return true;
}

std::vector<std::string> release_waiting_corrections(pqxx::connection& conn) {
  pqxx::work tx(conn);
  const auto rows = tx.exec(
      // Corrections whose posts all have their outcome now (none is being sent).
      "WITH waiting AS ("
      "  SELECT f.id, f.alert_id, f.channel, f.target FROM deliveries f"
      "   WHERE f.waits_for_post AND f.state = 'pending'"
      "     AND NOT EXISTS (SELECT 1 FROM deliveries t JOIN deliveries s ON s.id = t.refers_to"
      "                      WHERE t.alert_id = f.alert_id AND t.channel = f.channel"
      "                        AND t.target = f.target AND s.state = 'sending')"
      "   FOR UPDATE OF f SKIP LOCKED),"
      // Posts are published in order: from the first that never was, nothing is corrected.
      " unpublished AS ("
      "  SELECT w.id AS waiting_id, min(t.part) AS part FROM waiting w"
      "    JOIN deliveries t ON t.alert_id = w.alert_id AND t.channel = w.channel"
      "                     AND t.target = w.target"
      "    JOIN deliveries s ON s.id = t.refers_to"
      "   WHERE s.state <> 'sent' OR s.platform_id IS NULL GROUP BY w.id),"
      " dropped AS ("
      "  UPDATE deliveries t SET state = 'cancelled', finished_at = now(), updated_at = now(),"
      "         waits_for_post = false,"
      "         last_error = 'not sent: the post it corrects was never published'"
      "    FROM waiting w JOIN unpublished u ON u.waiting_id = w.id"
      "   WHERE t.alert_id = w.alert_id AND t.channel = w.channel AND t.target = w.target"
      "     AND t.part >= u.part AND t.state = 'pending'"
      "  RETURNING t.id, t.alert_id, t.last_error),"
      " released AS ("
      "  UPDATE deliveries d SET waits_for_post = false, next_attempt_at = now(),"
      "         updated_at = now()"
      "    FROM waiting w WHERE d.id = w.id"
      "     AND NOT EXISTS (SELECT 1 FROM unpublished u WHERE u.waiting_id = w.id AND u.part = 1)"
      "  RETURNING d.id, d.channel),"
      " logged AS (" +
      append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.cancelled' AS kind,"
                       "       alert_id, id AS delivery_id,"
                       "       jsonb_build_object('reason', last_error) AS detail"
                       "  FROM dropped") +
      ")"
      " SELECT DISTINCT channel FROM released");
  tx.commit();
  std::vector<std::string> channels;
  for (const auto& r : rows) channels.push_back(r[0].as<std::string>());
  return channels;
}

bool fail_refused_row(pqxx::connection& conn, long long id, const std::string& refusal,
                      const std::string& statement) {
  const std::string reason = "the database refused this delivery's row during " + statement + " (" +
                             delivery::storable_text(refusal, 512) + ")";
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH refused AS ("
      "  UPDATE deliveries SET state = 'failed', finished_at = now(), updated_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL, last_error = $2"
      "   WHERE id = $1 AND state IN ('pending','retrying','sending')"
      "  RETURNING id, alert_id) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.failed' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', $2::text) AS detail"
                           "  FROM refused") +
          " RETURNING 1",
      id, reason);
  tx.commit();
  return !rows.empty();
}

std::vector<long long> first_claimable(pqxx::connection& conn, const std::string& channel) {
  // The row a claim of one takes: a dead worker's lease first, then the most urgent due.
  pqxx::read_transaction tx(conn);
  const auto stale = tx.exec_params(
      "SELECT id FROM deliveries WHERE state = 'sending' AND lease_expires_at <= now()"
      "   AND lease_expiries < $2 AND channel = $1 ORDER BY lease_expires_at LIMIT 1",
      channel, max_lease_expiries);
  if (!stale.empty()) return {stale[0][0].as<long long>()};
  const auto fresh =
      tx.exec_params("SELECT id FROM deliveries WHERE state IN (" + sql_states(Event::claim) +
                         ") AND next_attempt_at <= now() AND channel = $1"
                         " ORDER BY priority DESC, next_attempt_at, id LIMIT 1",
                     channel);
  if (!fresh.empty()) return {fresh[0][0].as<long long>()};
  return {};
}

namespace {

// A sweep's statement over one row (`id`) or all of them (null); and the rows it would
// touch, to go one by one when a row is refused.
struct Sweep {
  const char* name;
  std::string sql;         // $1: the id or null; $2: the sweep's own parameter
  std::string candidates;  // $1: the sweep's own parameter
};

template <typename Param>
int run_sweep(pqxx::connection& conn, const Sweep& sweep, const Param& param,
              const std::function<void()>& on_refused) {
  try {
    pqxx::work tx(conn);
    const auto rows = tx.exec_params(sweep.sql, std::optional<long long>(), param);
    tx.commit();
    return static_cast<int>(rows.size());
  } catch (const pqxx::sql_error& e) {
    if (!conn.is_open() || !is_row_refusal(e)) throw;
  }
  std::vector<long long> ids;
  {
    pqxx::read_transaction tx(conn);
    for (const auto& r : tx.exec_params(sweep.candidates, param))
      ids.push_back(r[0].template as<long long>());
  }
  int done = 0;
  for (const auto id : ids) {
    try {
      pqxx::work tx(conn);
      done += static_cast<int>(tx.exec_params(sweep.sql, id, param).size());
      tx.commit();
    } catch (const pqxx::sql_error& e) {
      if (!conn.is_open() || !is_row_refusal(e)) throw;
      if (fail_refused_row(conn, id, refusal_message(e), sweep.name)) on_refused();
    }
  }
  return done;
}

const std::string& expire_sweep_sql() {
  static const std::string sql =
      "WITH expired AS ("
      "  UPDATE deliveries d SET state = 'expired', finished_at = now(), updated_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL,"
      "         last_error = 'not sent: the alert expired at ' ||"
      "                      to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
      "                      || ' UTC'"
      "    FROM alerts a"
      "   WHERE a.id = d.alert_id AND a.expires_at <= now() AND ($1::bigint IS NULL OR d.id = $1)"
      "     AND $2::int = $2::int"  // no parameter of its own
      "     AND (d.state IN (" +
      sql_states(Event::claim) +
      ")"
      "          OR (d.state = 'sending' AND d.lease_expires_at <= now()))"
      "  RETURNING d.id, d.alert_id, a.expires_at) " +
      append_audit_sql(
          "SELECT id AS n, 'system' AS actor, 'delivery.expired' AS kind,"
          "       alert_id, id AS delivery_id,"
          "       jsonb_build_object('expires_at', expires_at) AS detail"
          "  FROM expired") +
      " RETURNING 1";
  return sql;
}

}  // namespace

int expire_due(pqxx::connection& conn, const std::function<void()>& on_refused) {
  static const Sweep sweep{
      "the expiry sweep", expire_sweep_sql(),
      "SELECT d.id FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
      " WHERE a.expires_at <= now() AND $1::int = $1::int"
      "   AND (d.state IN (" +
          sql_states(Event::claim) +
          ")"
          "        OR (d.state = 'sending' AND d.lease_expires_at <= now())) ORDER BY d.id"};
  return run_sweep(conn, sweep, 0, on_refused);
}

int cancel_late(pqxx::connection& conn, const std::function<void()>& on_refused) {
  // A cancel that committed while a record statement ran can leave an attempt of the
  // cancelled alert to be tried again: the sweep ends it as the record would have.
  static const Sweep sweep{
      "the sweep of cancelled alerts",
      "WITH late AS ("
      "  UPDATE deliveries d SET state = 'cancelled', finished_at = now(), updated_at = now(),"
      "         last_error = 'not sent again: the alert was cancelled while this attempt was"
      " in flight'"
      "    FROM alerts a"
      "   WHERE a.id = d.alert_id AND a.cancelled_at IS NOT NULL AND $2::int = $2::int"
      "     AND ($1::bigint IS NULL OR d.id = $1) AND d.state IN (" +
          sql_states(Event::cancel) +
          ")"
          "  RETURNING d.id, d.alert_id, d.last_error) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.cancelled' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', last_error) AS detail"
                           "  FROM late") +
          " RETURNING 1",
      "SELECT d.id FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
      " WHERE a.cancelled_at IS NOT NULL AND $1::int = $1::int AND d.state IN (" +
          sql_states(Event::cancel) + ") ORDER BY d.id"};
  return run_sweep(conn, sweep, 0, on_refused);
}

int fail_abandoned(pqxx::connection& conn, const std::function<void()>& on_refused) {
  static const Sweep sweep{
      "the abandoned-lease sweep",
      "WITH abandoned AS ("
      "  UPDATE deliveries SET state = 'failed', finished_at = now(), updated_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL,"
      "         last_error = 'not sent again: its lease expired ' || lease_expiries + 1 ||"
      " ' times, each time because its worker stopped while sending it; the platform may"
      " have it. Retry it by hand if it did not arrive.'"
      "   WHERE state = 'sending' AND lease_expires_at <= now() AND lease_expiries >= $2"
      "     AND ($1::bigint IS NULL OR id = $1)"
      "  RETURNING id, alert_id, last_error) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.failed' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', last_error) AS detail"
                           "  FROM abandoned") +
          " RETURNING 1",
      "SELECT id FROM deliveries WHERE state = 'sending' AND lease_expires_at <= now()"
      "   AND lease_expiries >= $1 ORDER BY id"};
  return run_sweep(conn, sweep, max_lease_expiries, on_refused);
}

int release_leases(pqxx::connection& conn, const std::string& owner,
                   const std::function<void()>& on_refused) {
  static const Sweep sweep{
      "the release of leases at shutdown",
      "WITH released AS ("
      "  UPDATE deliveries SET state = 'retrying', next_attempt_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
      "   WHERE lease_owner = $2 AND state = 'sending' AND ($1::bigint IS NULL OR id = $1)"
      "  RETURNING id, alert_id) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.released' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('worker', $2::text) AS detail"
                           "  FROM released") +
          " RETURNING 1",
      "SELECT id FROM deliveries WHERE lease_owner = $1 AND state = 'sending' ORDER BY id"};
  return run_sweep(conn, sweep, owner, on_refused);
}

std::optional<std::chrono::milliseconds> time_until_next_due(
    pqxx::connection& conn, const delivery::ChannelFilter& filter) {
  pqxx::read_transaction tx(conn);
  const auto row = tx.exec_params1(
      // greatest() skips NULLs: without the CASE, "nothing waits" would read as "due now"
      // and the dispatcher would spin on empty claims.
      "SELECT CASE WHEN min(t) IS NOT NULL"
      "            THEN greatest(0, ceil(extract(epoch FROM (min(t) - now())) * 1000))::bigint"
      "       END FROM ("
      "  SELECT min(next_attempt_at) AS t FROM deliveries"
      "   WHERE state IN (" +
          sql_states(Event::claim) + ") AND next_attempt_at < 'infinity' AND " +
          channel_condition(filter, 1) + "     AND NOT " + alert_expired +
          "  UNION ALL"
          "  SELECT min(lease_expires_at) FROM deliveries WHERE state = 'sending') due",
      json_list(filter.channels));
  if (row[0].is_null()) return std::nullopt;
  return std::chrono::milliseconds(row[0].as<long long>());
}

}  // namespace araldo::store
