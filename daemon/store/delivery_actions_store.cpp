#include "daemon/store/delivery_actions_store.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "daemon/delivery/lifecycle.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

using delivery::Event;
using delivery::sql_states;

std::vector<long long> retry_failed(pqxx::connection& conn, const std::string& actor,
                                    std::optional<long long> delivery_id,
                                    std::optional<std::string> alert_id) {
  pqxx::work tx(conn);
  const auto rows = tx.exec_params(
      "WITH picked AS ("
      "  SELECT alert_id, channel, target, part, round FROM deliveries WHERE id = $1),"
      " chosen AS ("
      "  SELECT d.id, d.alert_id, d.channel, d.target, d.part, d.round, d.last_error"
      "    FROM deliveries d JOIN alerts a ON a.id = d.alert_id"
      "   WHERE d.state IN (" +
          sql_states(Event::operator_retry) +
          ") AND (a.expires_at IS NULL OR a.expires_at > now())"
          "     AND a.cancelled_at IS NULL"
          "     AND ($2::uuid IS NULL OR d.alert_id = $2::uuid)"
          "     AND ($1::bigint IS NULL OR d.id = $1 OR EXISTS (SELECT 1 FROM picked p"
          "          WHERE p.alert_id = d.alert_id AND p.channel = d.channel"
          "            AND p.target = d.target AND p.round = d.round AND d.part > p.part))"
          "   FOR UPDATE OF d),"
          // The first failed part of each target goes now; later parts wait for it.
          " first AS (SELECT alert_id, channel, target, round, min(part) AS part FROM chosen"
          "            GROUP BY alert_id, channel, target, round),"
          " retried AS ("
          "  UPDATE deliveries d SET state = 'pending', finished_at = NULL, updated_at = now(),"
          "         next_attempt_at = CASE WHEN d.part = f.part THEN now() ELSE 'infinity' END"
          "    FROM chosen c JOIN first f ON f.alert_id = c.alert_id AND f.channel = c.channel"
          "                              AND f.target = c.target AND f.round = c.round"
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
  // Remembered on the alert first, which locks its row: an audience still being written
  // (fanout_store.hpp) then stops, and the statement below sees every chunk written so far.
  // A send in flight now is not retried once its outcome is recorded, and a correction of
  // it waits for that outcome.
  tx.exec_params0("UPDATE alerts SET cancelled_at = coalesce(cancelled_at, now()) WHERE id = $1",
                  alert_id);
  const auto rows = tx.exec_params(
      "WITH cancelled AS ("
      "  UPDATE deliveries SET state = 'cancelled', finished_at = now(), updated_at = now(),"
      "         last_error = $3"
      "   WHERE alert_id = $1::uuid AND state IN (" +
          sql_states(Event::cancel) +
          ")"
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
  d.channel_type = r[15].as<std::string>();
  d.personal = r[16].as<bool>();
  d.masked_target = r[17].as<std::string>();
  return d;
}

constexpr const char* row_columns =
    "SELECT id, alert_id::text, channel, target, part, parts, state, attempts, last_error,"
    " to_json(updated_at)#>>'{}', to_json(created_at)#>>'{}', to_json(first_attempt_at)#>>'{}',"
    " to_json(finished_at)#>>'{}', platform_id, rendered_text, channel_type,"
    " araldo_personal_target(channel_type, target), araldo_masked(target) FROM deliveries ";

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

std::optional<FollowUp> follow_up(Database& db, const std::string& alert_id, int after_minutes,
                                  const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<FollowUp> {
    pqxx::work tx(c);
    const auto alert = tx.exec_params(
        "SELECT asks_ack, cancelled_at IS NOT NULL, coalesce(expires_at < now(), false),"
        "       (SELECT coalesce(max(round), 0) + 1 FROM deliveries WHERE alert_id = $1::uuid)"
        "  FROM alerts WHERE id = $1::uuid FOR UPDATE",  // one follow-up of an alert at a time
        alert_id);
    if (alert.empty()) return std::nullopt;
    FollowUp out;
    if (!alert[0][0].as<bool>()) out.refusal = "the alert does not ask for an answer";
    if (alert[0][1].as<bool>()) out.refusal = "the alert was cancelled";
    if (alert[0][2].as<bool>()) out.refusal = "the alert has expired";
    if (!out.refusal.empty()) return out;
    out.round = alert[0][3].as<int>();
    const auto r = tx.exec_params1(
        // Whom: a subscriber the alert's last part reached (round 0), still subscribed, with
        // no answer in any round, and no message of this alert pending or sent since the
        // cutoff (an earlier follow-up counts).
        "WITH due AS (SELECT d.channel, d.target FROM deliveries d"
        "   WHERE d.alert_id = $1::uuid AND d.round = 0 AND d.part = d.parts"
        "     AND d.action = 'send' AND d.state = 'sent'"
        "     AND araldo_personal_target(d.channel_type, d.target)"
        "     AND EXISTS (SELECT 1 FROM subscribers s WHERE s.channel = d.channel"
        "                   AND s.address = d.target)"
        "     AND NOT EXISTS (SELECT 1 FROM deliveries x"
        "       JOIN acknowledgements k ON k.delivery_id = x.id"
        "      WHERE x.alert_id = d.alert_id AND x.channel = d.channel AND x.target = d.target)"
        "     AND NOT EXISTS (SELECT 1 FROM deliveries y WHERE y.alert_id = d.alert_id"
        "       AND y.channel = d.channel AND y.target = d.target"
        "       AND (y.finished_at IS NULL"
        "            OR y.finished_at > now() - make_interval(mins => $2)))),"
        " ins AS (INSERT INTO deliveries (alert_id, channel, channel_type, target, language,"
        "   part, parts, priority, rendered_text, round, next_attempt_at)"
        "   SELECT o.alert_id, o.channel, o.channel_type, o.target, o.language, o.part,"
        "          o.parts, o.priority, o.rendered_text, $3,"
        "          CASE WHEN o.part = 1 THEN now() ELSE 'infinity' END"
        "     FROM deliveries o JOIN due ON due.channel = o.channel AND due.target = o.target"
        "    WHERE o.alert_id = $1::uuid AND o.round = 0 AND o.action = 'send'"
        "    ORDER BY o.id RETURNING target)"
        " SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM ins)",
        alert_id, after_minutes, out.round);
    out.recipients = r[0].as<long long>();
    out.deliveries = r[1].as<long long>();
    if (out.recipients > 0) {
      append_audit_event(tx, {actor,
                              "alert.followed_up",
                              alert_id,
                              std::nullopt,
                              {{"round", out.round},
                               {"after_minutes", after_minutes},
                               {"recipients", out.recipients},
                               {"deliveries", out.deliveries}}});
    }
    tx.commit();
    return out;
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
