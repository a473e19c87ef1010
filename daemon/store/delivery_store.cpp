#include "daemon/store/delivery_store.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <map>

#include "daemon/dispatch/rate_slots.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

std::string json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

// "channel = ANY (...)" or "channel <> ALL (...)", for a jsonb array parameter $n.
std::string channel_condition(const ChannelFilter& filter, int n) {
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
std::vector<ClaimedDelivery> claim_in(pqxx::work& tx, const std::string& owner, int limit,
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
      "   WHERE state IN ('pending','retrying') AND next_attempt_at <= now() AND " +
      channel_sql + not_expired +
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
      "            d.refers_to, d.fallback_text IS NOT NULL AS has_fallback),"
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
      "        (SELECT p.platform_id FROM deliveries p WHERE p.alert_id = c.alert_id"
      "            AND p.channel = c.channel AND p.target = c.target AND p.part = c.part - 1),"
      "        greatest(0, extract(epoch FROM coalesce(a.expires_at,"
      "                 coalesce(a.send_at, a.accepted_at) + $5 * interval '1 millisecond')"
      "                 - now()) * 1000)::bigint,"
      "        c.action, (SELECT o.platform_id FROM deliveries o WHERE o.id = c.refers_to),"
      "        c.has_fallback,"
      "        (extract(epoch FROM coalesce(a.send_at, a.accepted_at)) * 1000)::bigint"
      "   FROM claimed c JOIN alerts a ON a.id = c.alert_id ORDER BY c.id";
  // Prepared once per connection and variant: planning this statement cost about as much
  // as a tenth of claiming 256 rows.
  const auto name = "araldo_claim_" + std::to_string(std::hash<std::string>{}(sql));
  tx.conn().prepare(name, sql);
  const auto rows =
      tx.exec_prepared(name, owner, limit, static_cast<long long>(lease.count()), channel_arg,
                       static_cast<long long>(validity_without_expiry.count()), max_lease_expiries);

  std::vector<ClaimedDelivery> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    ClaimedDelivery d;
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
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::vector<ClaimedDelivery> claim_due(pqxx::connection& conn, const std::string& owner, int limit,
                                       std::chrono::milliseconds lease, const ChannelFilter& filter,
                                       std::chrono::milliseconds validity_without_expiry) {
  pqxx::work tx(conn);
  auto out = claim_in(tx, owner, limit, lease, channel_condition(filter, 4),
                      json_list(filter.channels), validity_without_expiry);
  tx.commit();
  return out;
}

PacedClaim claim_paced(pqxx::connection& conn, const std::string& owner, int limit,
                       std::chrono::milliseconds lease, const std::string& channel,
                       const PacedClaimRate& rate,
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
  const auto grant = dispatch::grant_slots(next_free, db_now, rate.shape, rate.lookahead, limit);
  PacedClaim result;
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
void withhold_later_parts(pqxx::work& tx, const AttemptRecord& rec, const std::string& target) {
  const std::string reason = "not sent: part " + std::to_string(rec.part) + " of " +
                             std::to_string(rec.parts) +
                             " failed, and later parts would be out of order";
  tx.exec_params0(
      "WITH withheld AS ("
      "  UPDATE deliveries SET state = 'failed', last_error = $5, finished_at = now(),"
      "         updated_at = now()"
      "   WHERE alert_id = $1::uuid AND channel = $2 AND target = $3 AND part > $4"
      "     AND state IN ('pending','retrying')"
      "  RETURNING id, alert_id) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.failed' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', $5::text) AS detail"
                           "  FROM withheld"),
      rec.alert_id, rec.channel, target, rec.part, reason);
}

}  // namespace

AttemptRecord record_for(const ClaimedDelivery& d) {
  AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.alert_id = d.alert_id;
  rec.channel = d.channel;
  rec.target = d.target;
  rec.part = d.part;
  rec.parts = d.parts;
  rec.attempt = d.attempt;
  rec.action = d.action;
  rec.has_fallback = d.has_fallback;
  rec.accepted_at = d.accepted_at;
  return rec;
}

std::vector<bool> record_attempts(pqxx::connection& conn, const std::string& owner,
                                  const std::vector<AttemptRecord>& records) {
  // A fixed number of statements per batch, whatever its size: the outcome updates, the
  // audit events and the parts made due are each one set-based statement.
  boost::json::array outcomes;
  for (const auto& rec : records) {
    boost::json::object o{{"id", rec.delivery_id},
                          {"state", rec.fall_back ? "pending" : model::to_string(rec.next_state)},
                          {"fall_back", rec.fall_back}};
    if (rec.retry_in) o["retry_ms"] = rec.retry_in->count();
    if (rec.platform_id) o["platform_id"] = *rec.platform_id;
    if (rec.error) o["error"] = *rec.error;
    if (rec.moved_to) o["moved_to"] = *rec.moved_to;
    outcomes.push_back(std::move(o));
  }
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "UPDATE deliveries d SET state = r.state,"
      " next_attempt_at = CASE WHEN r.fall_back THEN now()"
      "                        WHEN r.retry_ms IS NULL THEN d.next_attempt_at"
      "                        ELSE now() + r.retry_ms * interval '1 millisecond' END,"
      // A refused edit or removal becomes a reply holding the notice, due at once.
      " action = CASE WHEN r.fall_back THEN 'reply' ELSE d.action END,"
      " rendered_text = CASE WHEN r.fall_back THEN d.fallback_text ELSE d.rendered_text END,"
      " fallback_text = CASE WHEN r.fall_back THEN NULL ELSE d.fallback_text END,"
      " lease_owner = NULL, lease_expires_at = NULL,"
      " platform_id = coalesce(r.platform_id, d.platform_id),"
      " last_error = coalesce(r.error, d.last_error),"
      " target = coalesce(r.moved_to, d.target), updated_at = now(),"
      " finished_at = CASE WHEN r.state IN ('sent','failed') THEN now() END"
      " FROM jsonb_to_recordset($2::jsonb) AS r(id bigint, state text, retry_ms bigint,"
      "                                        platform_id text, error text, moved_to text,"
      "                                        fall_back boolean)"
      // lease_owner is set exactly while a delivery is 'sending' (a CHECK says so). Naming
      // only it keeps the planner on the primary key: with `state = 'sending'` and
      // statistics from before a broadcast was claimed, it walked the leased index and
      // rescanned the JSON once per row (15 of 18 ms for 256 outcomes).
      " WHERE d.id = r.id AND d.lease_owner = $1"
      " RETURNING d.id, to_json(d.next_attempt_at)#>>'{}'",
      owner, boost::json::serialize(outcomes));
  std::map<long long, std::string> next_attempt_at;
  for (const auto& r : rows) next_attempt_at[r[0].as<long long>()] = r[1].as<std::string>();

  std::vector<bool> updated;
  updated.reserve(records.size());
  std::vector<AuditEvent> events;
  events.reserve(records.size() * 2);
  boost::json::array next_parts;
  std::vector<std::pair<const AttemptRecord*, std::string>> withheld;
  for (const auto& rec : records) {
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

    const std::string target = rec.moved_to.value_or(rec.target);
    if (rec.moved_to) {
      // The later parts follow the target to its new address.
      tx.exec_params0(
          "UPDATE deliveries SET target = $4, updated_at = now()"
          " WHERE alert_id = $1::uuid AND channel = $2 AND target = $3",
          rec.alert_id, rec.channel, rec.target, *rec.moved_to);
      events.push_back({system_actor, "delivery.moved", rec.alert_id, rec.delivery_id,
                        boost::json::object{{"from", rec.target}, {"to", *rec.moved_to}}});
    }
    boost::json::object detail;
    std::string kind;
    if (rec.fall_back) {
      events.push_back(
          {system_actor, "delivery.fell_back", rec.alert_id, rec.delivery_id,
           boost::json::object{
               {"from", rec.action}, {"to", "reply"}, {"reason", rec.error.value_or("")}}});
      continue;
    }
    if (rec.next_state == model::DeliveryState::sent) {
      kind = "delivery.sent";
      if (rec.platform_id) detail["platform_id"] = *rec.platform_id;
      if (rec.part < rec.parts) {
        next_parts.push_back(boost::json::object{{"alert_id", rec.alert_id},
                                                 {"channel", rec.channel},
                                                 {"target", target},
                                                 {"part", rec.part + 1}});
      }
    } else if (rec.next_state == model::DeliveryState::failed) {
      kind = "delivery.failed";
      detail["reason"] = rec.error.value_or("");
      if (rec.part < rec.parts) withheld.emplace_back(&rec, target);
    } else {
      kind = "delivery.retry_scheduled";
      detail["next_attempt_at"] = found->second;
      if (rec.error) detail["reason"] = *rec.error;
    }
    events.push_back(
        {system_actor, std::move(kind), rec.alert_id, rec.delivery_id, std::move(detail)});
  }
  append_audit_events(tx, events);
  if (!next_parts.empty()) {
    // A delivered part makes the next one due.
    tx.exec_params0(
        "UPDATE deliveries d SET next_attempt_at = now(), updated_at = now()"
        "  FROM jsonb_to_recordset($1::jsonb) AS n(alert_id uuid, channel text, target text,"
        "                                          part int)"
        " WHERE d.alert_id = n.alert_id AND d.channel = n.channel AND d.target = n.target"
        "   AND d.part = n.part AND d.state = 'pending'",
        boost::json::serialize(next_parts));
  }
  for (const auto& [rec, target] : withheld) withhold_later_parts(tx, *rec, target);
  tx.commit();
  return updated;
}

std::vector<long long> retry_failed(pqxx::connection& conn, const std::string& actor,
                                    std::optional<long long> delivery_id,
                                    std::optional<std::string> alert_id) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH picked AS ("
      "  SELECT alert_id, channel, target, part FROM deliveries WHERE id = $1),"
      " chosen AS ("
      "  SELECT d.id, d.alert_id, d.channel, d.target, d.part, d.last_error"
      "    FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
      "   WHERE d.state = 'failed' AND (a.expires_at IS NULL OR a.expires_at > now())"
      "     AND ($2::uuid IS NULL OR d.alert_id = $2::uuid)"
      "     AND ($1::bigint IS NULL OR d.id = $1 OR EXISTS (SELECT 1 FROM picked p"
      "          WHERE p.alert_id = d.alert_id AND p.channel = d.channel"
      "            AND p.target = d.target AND d.part > p.part))"
      "   FOR UPDATE OF d),"
      // The first failed part of each target goes now; later parts wait for it.
      " first AS (SELECT alert_id, channel, target, min(part) AS part FROM chosen"
      "            GROUP BY alert_id, channel, target),"
      " retried AS ("
      "  UPDATE deliveries d SET state = 'pending', finished_at = NULL, updated_at = now(),"
      "         next_attempt_at = CASE WHEN d.part = f.part THEN now() ELSE 'infinity' END"
      "    FROM chosen c JOIN first f ON f.alert_id = c.alert_id AND f.channel = c.channel"
      "                              AND f.target = c.target"
      "   WHERE d.id = c.id"
      "  RETURNING d.id, d.alert_id, c.last_error) " +
          append_audit_sql("SELECT id AS n, $3::text AS actor,"
                           "       'delivery.retry_requested' AS kind, alert_id,"
                           "       id AS delivery_id,"
                           "       jsonb_build_object('previous_error', last_error) AS detail"
                           "  FROM retried") +
          " RETURNING delivery_id",
      delivery_id, alert_id, actor);
  tx.commit();
  std::vector<long long> ids;
  for (const auto& r : rows) ids.push_back(r[0].as<long long>());
  std::sort(ids.begin(), ids.end());
  return ids;
}

int cancel_alert(pqxx::connection& conn, const std::string& actor, const std::string& alert_id,
                 const std::string& kind, const boost::json::object& detail) {
  pqxx::work tx(conn);
  const std::string why =
      (kind == "alert.superseded" ? "superseded by an update from " : "cancelled by ") + actor;
  const auto rows = tx.exec_params(
      "WITH cancelled AS ("
      "  UPDATE deliveries SET state = 'cancelled', finished_at = now(), updated_at = now(),"
      "         last_error = $3"
      "   WHERE alert_id = $1::uuid AND state IN ('pending','retrying')"
      "  RETURNING id, alert_id) " +
          append_audit_sql("SELECT id AS n, $2::text AS actor, 'delivery.cancelled' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', $3::text) AS detail"
                           "  FROM cancelled") +
          " RETURNING 1",
      alert_id, actor, why);
  // The operator's act is recorded even when nothing was left to stop.
  auto event = detail;
  event["stopped"] = rows.size();
  append_audit_event(tx, {actor, kind, alert_id, std::nullopt, std::move(event)});
  tx.commit();
  return static_cast<int>(rows.size());
}

namespace {

DeliveryRow read_row(const pqxx::row& r) {
  DeliveryRow d;
  d.id = r[0].as<long long>();
  d.alert_id = r[1].as<std::string>();
  d.channel = r[2].as<std::string>();
  d.target = r[3].as<std::string>();
  d.part = r[4].as<int>();
  d.parts = r[5].as<int>();
  d.state = model::delivery_state_from_db(r[6].c_str());
  d.attempts = r[7].as<int>();
  if (!r[8].is_null()) d.last_error = r[8].as<std::string>();
  d.updated_at = r[9].as<std::string>();
  d.created_at = r[10].as<std::string>();
  if (!r[11].is_null()) d.first_attempt_at = r[11].as<std::string>();
  if (!r[12].is_null()) d.finished_at = r[12].as<std::string>();
  if (!r[13].is_null()) d.platform_id = r[13].as<std::string>();
  d.text = r[14].as<std::string>();
  return d;
}

constexpr const char* row_columns =
    "SELECT id, alert_id::text, channel, target, part, parts, state, attempts, last_error,"
    " to_json(updated_at)#>>'{}', to_json(created_at)#>>'{}', to_json(first_attempt_at)#>>'{}',"
    " to_json(finished_at)#>>'{}', platform_id, rendered_text FROM deliveries ";

}  // namespace

std::vector<DeliveryRow> list_deliveries(pqxx::connection& conn, const DeliveryFilter& f,
                                         long long after_id, int limit) {
  boost::json::array states;
  for (const auto s : f.states) states.emplace_back(model::to_string(s));
  pqxx::read_transaction tx(conn);
  std::vector<DeliveryRow> out;
  for (const auto& r : tx.exec_params(
           std::string(row_columns) +
               "WHERE (jsonb_array_length($1::jsonb) = 0"
               "       OR state IN (SELECT jsonb_array_elements_text($1::jsonb)))"
               "  AND ($2::uuid IS NULL OR alert_id = $2::uuid)"
               "  AND ($3::text IS NULL OR channel = $3) AND ($4::text IS NULL OR target = $4)"
               "  AND ($5::timestamptz IS NULL OR created_at >= $5)"
               "  AND ($6::timestamptz IS NULL OR created_at < $6)"
               "  AND id > $7 ORDER BY id LIMIT $8",
           boost::json::serialize(states), f.alert_id, f.channel, f.target, f.since, f.until,
           after_id, limit)) {
    out.push_back(read_row(r));
  }
  return out;
}

std::optional<DeliveryRow> find_delivery(pqxx::connection& conn, long long id) {
  pqxx::read_transaction tx(conn);
  const auto rows = tx.exec_params(std::string(row_columns) + "WHERE id = $1", id);
  if (rows.empty()) return std::nullopt;
  return read_row(rows[0]);
}

int expire_due(pqxx::connection& conn) {
  pqxx::work tx(conn);
  const auto rows = tx.exec(
      "WITH expired AS ("
      "  UPDATE deliveries d SET state = 'expired', finished_at = now(), updated_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL,"
      "         last_error = 'not sent: the alert expired at ' ||"
      "                      to_char(a.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
      "                      || ' UTC'"
      "    FROM alerts a"
      "   WHERE a.id = d.alert_id AND a.expires_at <= now()"
      "     AND (d.state IN ('pending','retrying')"
      "          OR (d.state = 'sending' AND d.lease_expires_at <= now()))"
      "  RETURNING d.id, d.alert_id, a.expires_at) " +
      append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.expired' AS kind,"
                       "       alert_id, id AS delivery_id,"
                       "       jsonb_build_object('expires_at', expires_at) AS detail"
                       "  FROM expired") +
      " RETURNING 1");
  tx.commit();
  return static_cast<int>(rows.size());
}

int fail_abandoned(pqxx::connection& conn) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH abandoned AS ("
      "  UPDATE deliveries SET state = 'failed', finished_at = now(), updated_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL,"
      "         last_error = 'not sent again: its lease expired ' || lease_expiries + 1 ||"
      " ' times, each time because its worker stopped while sending it; the platform may"
      " have it. Retry it by hand if it did not arrive.'"
      "   WHERE state = 'sending' AND lease_expires_at <= now() AND lease_expiries >= $1"
      "  RETURNING id, alert_id, last_error) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.failed' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('reason', last_error) AS detail"
                           "  FROM abandoned") +
          " RETURNING 1",
      max_lease_expiries);
  tx.commit();
  return static_cast<int>(rows.size());
}

int release_leases(pqxx::connection& conn, const std::string& owner) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH released AS ("
      "  UPDATE deliveries SET state = 'retrying', next_attempt_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
      "   WHERE lease_owner = $1 AND state = 'sending'"
      "  RETURNING id, alert_id) " +
          append_audit_sql("SELECT id AS n, 'system' AS actor, 'delivery.released' AS kind,"
                           "       alert_id, id AS delivery_id,"
                           "       jsonb_build_object('worker', $1::text) AS detail"
                           "  FROM released") +
          " RETURNING 1",
      owner);
  tx.commit();
  return static_cast<int>(rows.size());
}

std::optional<std::chrono::milliseconds> time_until_next_due(pqxx::connection& conn,
                                                             const ChannelFilter& filter) {
  pqxx::read_transaction tx(conn);
  const auto row = tx.exec_params1(
      // greatest() skips NULLs: without the CASE, "nothing waits" would read as "due now"
      // and the dispatcher would spin on empty claims.
      "SELECT CASE WHEN min(t) IS NOT NULL"
      "            THEN greatest(0, ceil(extract(epoch FROM (min(t) - now())) * 1000))::bigint"
      "       END FROM ("
      "  SELECT min(next_attempt_at) AS t FROM deliveries"
      "   WHERE state IN ('pending','retrying') AND next_attempt_at < 'infinity' AND " +
          channel_condition(filter, 1) + "     AND NOT " + alert_expired +
          "  UNION ALL"
          "  SELECT min(lease_expires_at) FROM deliveries WHERE state = 'sending') due",
      json_list(filter.channels));
  if (row[0].is_null()) return std::nullopt;
  return std::chrono::milliseconds(row[0].as<long long>());
}

std::vector<DeliveryRow> list_deliveries(Database& db, const DeliveryFilter& filter,
                                         long long after_id, int limit) {
  return db.with_connection(
      [&](pqxx::connection& c) { return list_deliveries(c, filter, after_id, limit); });
}

namespace {

bool alert_exists(pqxx::connection& c, const std::string& alert_id) {
  pqxx::read_transaction tx(c);
  return !tx.exec_params("SELECT 1 FROM alerts WHERE id = $1::uuid", alert_id).empty();
}

}  // namespace

std::optional<std::vector<long long>> retry_failed_alert(Database& db, const std::string& actor,
                                                         const std::string& alert_id) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<std::vector<long long>> {
    if (!alert_exists(c, alert_id)) return std::nullopt;
    return retry_failed(c, actor, std::nullopt, alert_id);
  });
}

DeliveryRetry retry_delivery(Database& db, const std::string& actor, long long delivery_id) {
  return db.with_connection([&](pqxx::connection& c) {
    DeliveryRetry out;
    out.found = find_delivery(c, delivery_id);
    if (out.found && out.found->state == model::DeliveryState::failed) {
      out.queued = retry_failed(c, actor, delivery_id, std::nullopt);
    }
    return out;
  });
}

std::optional<int> cancel_alert(Database& db, const std::string& actor, const std::string& alert_id,
                                const std::string& kind, const boost::json::object& detail) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<int> {
    if (!alert_exists(c, alert_id)) return std::nullopt;
    return cancel_alert(c, actor, alert_id, kind, detail);
  });
}

}  // namespace araldo::store
