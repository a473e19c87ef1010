#include "daemon/store/fanout_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/consent.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

// Who the audience reaches, by the intake's rule (alert_store.cpp, audience_of): every
// subscriber of the channel subscribed at acceptance, or, for an alert with an area, those
// of the zones it touched and those who chose no zone; a notice skips who stopped notices.
// Read at the chunk's time: who left meanwhile is not written. Parameters are values, not
// columns, so the walk is one range of (channel, id): $3 < id <= $4.
const std::string audience_rule =
    "s.channel = $2 AND s.id > $3 AND s.id <= $4"
    " AND NOT ($5 AND s.notices_stopped_at IS NOT NULL)"
    " AND (NOT $6"
    "   OR NOT EXISTS (SELECT 1 FROM subscriber_zones sz WHERE sz.subscriber_id = s.id)"
    "   OR EXISTS (SELECT 1 FROM subscriber_zones sz JOIN alert_zones az"
    "     ON az.zone = sz.zone AND az.alert_id = $1::uuid WHERE sz.subscriber_id = s.id))";

// The audience's next $7 subscribers in id order, written, and the cursor moved past them.
const std::string chunk_sql =
    "WITH f AS (SELECT * FROM fanouts WHERE alert_id = $1::uuid AND channel = $2),"
    " a AS (SELECT approval, send_at FROM alerts WHERE id = $1::uuid),"
    " t AS MATERIALIZED (SELECT x.* FROM f, jsonb_to_recordset(f.texts)"
    "   AS x(key text, language text, part int, parts int, text text)),"
    " who AS MATERIALIZED (SELECT s.id, s.address, s.language FROM subscribers s WHERE " +
    audience_rule +
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

// The audience's next $7 subscribers, by the same rule (for writing one at a time).
const std::string next_sql =
    "SELECT s.id, s.address FROM subscribers s WHERE " + audience_rule + " ORDER BY s.id LIMIT $7";

// Why an audience stops being written, from its alert's row (a, joined as such).
const std::string stop_reason_sql =
    "CASE WHEN a.cancelled_at IS NOT NULL THEN 'cancelled'"
    "     WHEN a.approval = 'rejected' THEN 'rejected'"
    "     WHEN a.approval = 'expired' OR a.expires_at <= now() THEN 'expired' END";

// A pass writing one at a time that has had this many refused and none written stops:
// the refusal is the audience's (a trigger, a constraint on the alert), not a subscriber's.
constexpr long long refusals_before_failing = 100;

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
                             {"refused", out.refused},
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

// A chunk the database refused is written again one subscriber at a time, each under a
// savepoint: who is refused is skipped, audited by pseudonym (the error may quote the
// number), and everyone else still gets the alert. The next chunk is written whole again.
FanoutChunk write_one_at_a_time(pqxx::connection& conn, FanoutChunk out,
                                const FanoutOptions& options,
                                const privacy::Pseudonyms& pseudonyms) {
  pqxx::work tx(conn);
  // Locked again, waiting this time: the lock was let go with the refused chunk, and
  // another daemon may have taken the audience meanwhile.
  const auto locked = tx.exec_params(
      "SELECT f.cursor_id, f.last_subscriber, f.notice, f.targeted, f.written, f.refused, " +
          stop_reason_sql +
          " FROM fanouts f JOIN alerts a ON a.id = f.alert_id"
          " WHERE f.alert_id = $1::uuid AND f.channel = $2 AND f.finished_at IS NULL"
          " FOR NO KEY UPDATE OF f, a",
      out.alert_id, out.channel);
  out.subscribers = 0;
  if (locked.empty()) return out;  // finished by another daemon
  const auto& l = locked[0];
  auto cursor = l[0].as<long long>();
  const auto last = l[1].as<long long>();
  const auto notice = l[2].as<bool>();
  const auto targeted = l[3].as<bool>();
  out.written = l[4].as<long long>();
  out.refused = l[5].as<long long>();
  if (!l[6].is_null()) {
    out = finish(tx, out, l[6].as<std::string>());
    tx.commit();
    return out;
  }
  long long refused = 0, inserted = 0;
  std::string first_error;
  // The chunk's subscribers, read once; each is written by the rule again (who left since
  // is not), so reading them first changes nothing but the round trips.
  const auto next = tx.exec_params(next_sql, out.alert_id, out.channel, cursor, last, notice,
                                   targeted, options.chunk);
  const bool walked_all = static_cast<long long>(next.size()) < options.chunk;
  for (const auto& row : next) {
    if (out.subscribers == 0 && refused == refusals_before_failing) break;
    const auto id = row[0].as<long long>();
    const auto address = row[1].as<std::string>();
    try {
      Savepoint one(tx, "fanout_one");
      const auto r =
          tx.exec_params1(chunk_sql, out.alert_id, out.channel, cursor, id, notice, targeted, 1);
      one.release();
      out.subscribers += r[0].as<long long>();
      inserted += r[3].as<long long>();
    } catch (const pqxx::sql_error& e) {
      if (!conn.is_open() || !is_row_refusal(e)) throw;
      const auto pseudonym = pseudonym_for_audit(tx, address, pseudonyms);
      const auto error = with_pseudonym(refusal_message(e), address, pseudonym);
      if (first_error.empty()) first_error = error;
      ++refused;
      tx.exec_params0(
          "UPDATE fanouts SET cursor_id = $3, refused = refused + 1"
          " WHERE alert_id = $1::uuid AND channel = $2",
          out.alert_id, out.channel, id);
      append_audit_event(
          tx, {system_actor, "alert.fanout_refused", out.alert_id, std::nullopt,
               boost::json::object{
                   {"channel", out.channel}, {"subscriber", pseudonym}, {"error", error}}});
    }
    cursor = id;
  }
  out.written += out.subscribers;
  out.refused += refused;
  if (out.subscribers == 0 && refused > 0) {
    out = finish(tx, out, "failed", first_error);
  } else if (walked_all) {
    out = finish(tx, out, "written");
  }
  if (inserted > 0) tx.exec0(std::string("NOTIFY ") + deliveries_notify_channel);
  tx.commit();
  return out;
}

std::optional<FanoutChunk> expand_one(pqxx::connection& conn, const FanoutOptions& options,
                                      const privacy::Pseudonyms& pseudonyms) {
  pqxx::work tx(conn);
  // The audience and its alert, locked: an act on the alert waits for this chunk, and
  // this chunk sees an act committed before it. Deliveries waiting to be sent are counted
  // only up to the window.
  const auto picked = tx.exec_params(
      "SELECT f.alert_id::text, f.channel, f.cursor_id, f.last_subscriber, f.notice,"
      "       f.targeted, f.written, f.audience, " +
          stop_reason_sql +
          ", f.refused"
          "  FROM fanouts f JOIN alerts a ON a.id = f.alert_id"
          " WHERE f.finished_at IS NULL"
          "   AND ((" +
          stop_reason_sql +
          ") IS NOT NULL"
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
  out.refused = p[9].as<long long>();
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
    return write_one_at_a_time(conn, out, options, pseudonyms);
  }
}

}  // namespace

std::optional<FanoutChunk> expand_fanout(Database& db, const FanoutOptions& options,
                                         const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection(
      [&](pqxx::connection& c) { return expand_one(c, options, pseudonyms); });
}

}  // namespace araldo::store
