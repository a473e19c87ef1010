#include "daemon/store/fanout_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

// The audience's next subscribers in id order, by the intake's rule (alert_store.cpp,
// audience_of): every subscriber of the channel subscribed at acceptance, or, for an alert
// with an area, those of the zones it touched and those who chose no zone; a notice skips
// who stopped notices. Read at the chunk's time: who left meanwhile is not written.
// Parameters are values, not columns, so the walk is one range of (channel, id).
const std::string chunk_sql =
    "WITH f AS (SELECT * FROM fanouts WHERE alert_id = $1::uuid AND channel = $2),"
    " a AS (SELECT approval, send_at FROM alerts WHERE id = $1::uuid),"
    " t AS MATERIALIZED (SELECT x.* FROM f, jsonb_to_recordset(f.texts)"
    "   AS x(key text, language text, part int, parts int, text text)),"
    " who AS MATERIALIZED (SELECT s.id, s.address, s.language FROM subscribers s"
    "   WHERE s.channel = $2 AND s.id > $3 AND s.id <= $4"
    "     AND NOT ($5 AND s.notices_stopped_at IS NOT NULL)"
    "     AND (NOT $6"
    "       OR NOT EXISTS (SELECT 1 FROM subscriber_zones sz WHERE sz.subscriber_id = s.id)"
    "       OR EXISTS (SELECT 1 FROM subscriber_zones sz JOIN alert_zones az"
    "         ON az.zone = sz.zone AND az.alert_id = $1::uuid WHERE sz.subscriber_id = s.id))"
    "   ORDER BY s.id LIMIT $7),"
    // A held alert's rows wait (at infinity) for the approval, as at intake; later parts
    // wait for the part before them.
    " ins AS (INSERT INTO deliveries (alert_id, channel, channel_type, target, language, part,"
    "   parts, priority, rendered_text, next_attempt_at)"
    " SELECT f.alert_id, f.channel, f.channel_type, w.address, t.language, t.part, t.parts,"
    "   f.priority, t.text, CASE WHEN t.part = 1 AND a.approval IS DISTINCT FROM 'awaiting'"
    "     THEN coalesce(a.send_at, now()) ELSE 'infinity' END"
    " FROM who w CROSS JOIN f CROSS JOIN a"
    " JOIN t ON t.key = CASE WHEN EXISTS (SELECT 1 FROM t k WHERE k.key = w.language)"
    "   THEN w.language ELSE '' END"
    " ORDER BY w.id, t.part"
    " ON CONFLICT DO NOTHING RETURNING 1)"
    " UPDATE fanouts SET cursor_id = coalesce((SELECT max(id) FROM who), fanouts.cursor_id),"
    "   written = fanouts.written + (SELECT count(*) FROM who)"
    " WHERE alert_id = $1::uuid AND channel = $2"
    " RETURNING (SELECT count(*) FROM who), written, audience, (SELECT count(*) FROM ins)";

FanoutChunk finish(pqxx::work& tx, FanoutChunk out, const std::string& outcome,
                   const std::string& error = {}) {
  tx.exec_params0(
      "UPDATE fanouts SET finished_at = now(), outcome = $3, error = nullif($4, '')"
      " WHERE alert_id = $1::uuid AND channel = $2",
      out.alert_id, out.channel, outcome, error);
  out.outcome = outcome;
  boost::json::object detail{{"channel", out.channel},
                             {"audience", out.audience},
                             {"written", out.written},
                             {"outcome", outcome}};
  if (!error.empty()) {
    // One audience the database refuses never stops the others: it ends, explained.
    detail["error"] = error;
  }
  // The auditor's record of how an audience counted at acceptance was written.
  append_audit_event(
      tx, {system_actor, "alert.fanout_finished", out.alert_id, std::nullopt, std::move(detail)});
  return out;
}

std::optional<FanoutChunk> expand_one(pqxx::connection& conn, const FanoutOptions& options) {
  pqxx::work tx(conn);
  // The audience and its alert, locked: an act on the alert waits for this chunk, and
  // this chunk sees an act committed before it. Deliveries waiting to be sent are counted
  // only up to the window.
  const auto picked = tx.exec_params(
      "SELECT f.alert_id::text, f.channel, f.cursor_id, f.last_subscriber, f.notice,"
      "       f.targeted, f.written, f.audience,"
      "       CASE WHEN a.cancelled_at IS NOT NULL THEN 'cancelled'"
      "            WHEN a.approval = 'rejected' THEN 'rejected'"
      "            WHEN a.approval = 'expired' OR a.expires_at <= now() THEN 'expired' END"
      "  FROM fanouts f JOIN alerts a ON a.id = f.alert_id"
      " WHERE f.finished_at IS NULL"
      "   AND (a.cancelled_at IS NOT NULL OR a.approval IN ('rejected', 'expired')"
      "     OR a.expires_at <= now()"
      "     OR (SELECT count(*) FROM (SELECT 1 FROM deliveries d WHERE d.alert_id = f.alert_id"
      "          AND d.channel = f.channel AND d.state = 'pending' LIMIT $1) w) < $1)"
      " ORDER BY f.priority DESC, a.accepted_at, f.channel"
      " LIMIT 1 FOR NO KEY UPDATE OF f, a SKIP LOCKED",
      options.window);
  if (picked.empty()) return std::nullopt;
  const auto& p = picked[0];
  FanoutChunk out;
  out.alert_id = p[0].as<std::string>();
  out.channel = p[1].as<std::string>();
  out.written = p[6].as<long long>();
  out.audience = p[7].as<long long>();
  if (!p[8].is_null()) {
    out = finish(tx, out, p[8].as<std::string>());
    tx.commit();
    return out;
  }
  try {
    // A new statement: its snapshot is taken with the lock held.
    const auto r =
        tx.exec_params1(chunk_sql, out.alert_id, out.channel, p[2].as<long long>(),
                        p[3].as<long long>(), p[4].as<bool>(), p[5].as<bool>(), options.chunk);
    out.subscribers = r[0].as<long long>();
    out.written = r[1].as<long long>();
    if (out.subscribers < options.chunk) out = finish(tx, out, "written");
    if (r[3].as<long long>() > 0) tx.exec0(std::string("NOTIFY ") + deliveries_notify_channel);
    tx.commit();
    if (p[2].as<long long>() == 0 && out.subscribers == options.chunk) {
      // An audience's first chunk may be most of the table on a young database: the
      // claims' plans, made when it was small, would walk all of it until autovacuum's next
      // round (a minute) analyses it. ANALYZE replaces those plans now.
      pqxx::nontransaction(conn).exec0("ANALYZE deliveries");
    }
    return out;
  } catch (const pqxx::sql_error& e) {
    if (!conn.is_open() || !is_row_refusal(e)) throw;
    tx.abort();
    pqxx::work failed(conn);
    out = finish(failed, out, "failed", refusal_message(e));
    failed.commit();
    return out;
  }
}

}  // namespace

std::optional<FanoutChunk> expand_fanout(Database& db, const FanoutOptions& options) {
  return db.with_connection([&](pqxx::connection& c) { return expand_one(c, options); });
}

}  // namespace araldo::store
