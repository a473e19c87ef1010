#include "daemon/store/delivery_store.hpp"

#include <boost/json.hpp>

#include "daemon/audit/audit_event.hpp"

namespace araldo::store {
namespace {

std::string json_list(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return boost::json::serialize(a);
}

}  // namespace

std::vector<ClaimedDelivery> claim_due(pqxx::connection& conn, const std::string& owner, int limit,
                                       std::chrono::milliseconds lease,
                                       const std::vector<std::string>& paused_channels) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH due AS ("
      "  SELECT id, state AS previous_state FROM deliveries"
      "   WHERE ((state IN ('pending','retrying') AND next_attempt_at <= now())"
      "       OR (state = 'sending' AND lease_expires_at <= now()))"
      "     AND channel <> ALL (ARRAY(SELECT jsonb_array_elements_text($4::jsonb)))"
      "   ORDER BY priority DESC, next_attempt_at, id"
      "   LIMIT $2"
      "   FOR UPDATE SKIP LOCKED),"
      " claimed AS ("
      "  UPDATE deliveries d"
      "     SET state = 'sending', lease_owner = $1,"
      "         lease_expires_at = now() + $3 * interval '1 millisecond',"
      "         attempts = d.attempts + 1, updated_at = now()"
      "    FROM due WHERE d.id = due.id"
      "  RETURNING d.id, d.alert_id, d.channel, d.target, d.rendered_text, d.attempts,"
      "            due.previous_state = 'sending' AS reclaimed),"
      // The claim is audited in the same statement: one round trip per batch.
      " logged AS ("
      "  INSERT INTO audit_events (actor, kind, alert_id, delivery_id, detail)"
      "  SELECT 'system', 'delivery.claimed', alert_id, id,"
      "         jsonb_build_object('worker', $1::text, 'attempt', attempts,"
      "                            'reclaimed_expired_lease', reclaimed)"
      "    FROM claimed)"
      " SELECT id, alert_id::text, channel, target, rendered_text, attempts, reclaimed"
      "   FROM claimed ORDER BY id",
      owner, limit, static_cast<long long>(lease.count()), json_list(paused_channels));
  tx.commit();

  std::vector<ClaimedDelivery> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back({r[0].as<long long>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<int>(),
                   r[6].as<bool>()});
  }
  return out;
}

bool record_attempt(pqxx::connection& conn, const std::string& owner, const AttemptRecord& rec) {
  pqxx::work tx(conn);
  std::optional<long long> retry_ms;
  if (rec.retry_in) retry_ms = rec.retry_in->count();
  const auto updated = tx.exec_params(
      "UPDATE deliveries SET state = $3,"
      " next_attempt_at = CASE WHEN $4::bigint IS NULL THEN next_attempt_at"
      "                        ELSE now() + $4::bigint * interval '1 millisecond' END,"
      " lease_owner = NULL, lease_expires_at = NULL,"
      " platform_id = coalesce($5, platform_id), last_error = coalesce($6, last_error),"
      " updated_at = now(),"
      " finished_at = CASE WHEN $3 IN ('sent','failed') THEN now() END"
      " WHERE id = $1 AND lease_owner = $2 AND state = 'sending'"
      " RETURNING to_json(next_attempt_at)#>>'{}'",
      rec.delivery_id, owner, rec.next_state, retry_ms, rec.platform_id, rec.error);

  boost::json::object attempt{{"attempt", rec.attempt},
                              {"worker", owner},
                              {"outcome", rec.outcome},
                              {"latency_ms", rec.latency_ms}};
  if (rec.http_status) attempt["http_status"] = *rec.http_status;
  if (rec.platform_id) attempt["platform_id"] = *rec.platform_id;
  if (rec.error) attempt["error"] = *rec.error;
  if (updated.empty()) attempt["lease_lost"] = true;
  audit::append(tx, {audit::system_actor, "delivery.attempt", rec.alert_id, rec.delivery_id,
                     std::move(attempt)});

  if (!updated.empty()) {
    boost::json::object detail;
    std::string kind;
    if (rec.next_state == "sent") {
      kind = "delivery.sent";
      if (rec.platform_id) detail["platform_id"] = *rec.platform_id;
    } else if (rec.next_state == "failed") {
      kind = "delivery.failed";
      detail["reason"] = rec.error.value_or("");
    } else {
      kind = "delivery.retry_scheduled";
      detail["next_attempt_at"] = updated[0][0].as<std::string>();
      if (rec.error) detail["reason"] = *rec.error;
    }
    audit::append(tx,
                  {audit::system_actor, kind, rec.alert_id, rec.delivery_id, std::move(detail)});
  }
  tx.commit();
  return !updated.empty();
}

int release_leases(pqxx::connection& conn, const std::string& owner) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH released AS ("
      "  UPDATE deliveries SET state = 'retrying', next_attempt_at = now(),"
      "         lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
      "   WHERE lease_owner = $1 AND state = 'sending'"
      "  RETURNING id, alert_id)"
      " INSERT INTO audit_events (actor, kind, alert_id, delivery_id, detail)"
      " SELECT 'system', 'delivery.released', alert_id, id, jsonb_build_object('worker', $1::text)"
      "   FROM released RETURNING 1",
      owner);
  tx.commit();
  return static_cast<int>(rows.size());
}

std::optional<std::chrono::milliseconds> time_until_next_due(
    pqxx::connection& conn, const std::vector<std::string>& paused_channels) {
  pqxx::read_transaction tx(conn);
  const auto row = tx.exec_params1(
      "SELECT greatest(0, ceil(extract(epoch FROM (min(t) - now())) * 1000))::bigint FROM ("
      "  SELECT min(next_attempt_at) AS t FROM deliveries"
      "   WHERE state IN ('pending','retrying')"
      "     AND channel <> ALL (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))"
      "  UNION ALL"
      "  SELECT min(lease_expires_at) FROM deliveries WHERE state = 'sending') due",
      json_list(paused_channels));
  if (row[0].is_null()) return std::nullopt;
  return std::chrono::milliseconds(row[0].as<long long>());
}

}  // namespace araldo::store
