#include "daemon/store/listing_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/alert_state_sql.hpp"
#include "daemon/store/audit_rows.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
std::vector<AlertRow> list_alerts(Database& db, const AlertFilter& f,
                                  const std::optional<AlertKey>& after, int limit) {
  boost::json::array severities;
  for (const auto& s : f.severities) severities.emplace_back(s);
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const auto rows = tx.exec_params(
        "SELECT a.id::text, to_json(a.accepted_at)#>>'{}', a.submitted_by, a.headline, a.event,"
        "       a.severity, to_json(a.send_at)#>>'{}', " +
            alert_state_sql("a") +
            ","
            "       (SELECT jsonb_object_agg(state, n)::text FROM (SELECT state, count(*) AS n"
            "          FROM deliveries d WHERE d.alert_id = a.id GROUP BY state) s)"
            "  FROM alerts a"
            " WHERE ($1::timestamptz IS NULL OR a.accepted_at >= $1)"
            "   AND ($2::timestamptz IS NULL OR a.accepted_at < $2)"
            "   AND (jsonb_array_length($3::jsonb) = 0"
            "        OR a.severity IN (SELECT jsonb_array_elements_text($3::jsonb)))"
            "   AND ($4::text IS NULL OR a.submitted_by = $4)"
            "   AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM deliveries d"
            "        WHERE d.alert_id = a.id AND d.channel = $5))"
            "   AND ($6::text IS NULL OR " +
            alert_state_sql("a") +
            " = $6)"
            "   AND ($7::timestamptz IS NULL OR (a.accepted_at, a.id) < ($7, $8::uuid))"
            " ORDER BY a.accepted_at DESC, a.id DESC LIMIT $9",
        f.since, f.until, boost::json::serialize(severities), f.submitted_by, f.channel, f.state,
        after ? std::optional<std::string>(after->accepted_at) : std::nullopt,
        after ? std::optional<std::string>(after->id) : std::nullopt, limit);
    std::vector<AlertRow> out;
    for (const auto& r : rows) {
      AlertRow a;
      a.id = r[0].as<std::string>();
      a.accepted_at = r[1].as<std::string>();
      a.submitted_by = r[2].as<std::string>();
      a.headline = r[3].as<std::string>();
      a.event = r[4].as<std::string>();
      a.severity = r[5].as<std::string>();
      a.send_at = text_or_null(r[6]);
      a.state = r[7].as<std::string>();
      if (!r[8].is_null()) {
        const auto counts = boost::json::parse(r[8].c_str());
        for (const auto& [state, n] : counts.as_object()) {
          a.by_state[std::string(state)] = n.to_number<long long>();
        }
      }
      out.push_back(std::move(a));
    }
    return out;
  });
}

AuditRow audit_row(const pqxx::row& r) {
  AuditRow e;
  e.id = r[0].as<long long>();
  e.xid = r[1].as<std::string>();
  e.at = r[2].as<std::string>();
  e.actor = r[3].as<std::string>();
  e.kind = r[4].as<std::string>();
  e.alert_id = text_or_null(r[5]);
  if (!r[6].is_null()) e.delivery_id = r[6].as<long long>();
  e.detail = r[7].as<std::string>();
  if (!r[8].is_null()) e.seq = r[8].as<std::uint64_t>();
  return e;
}

std::vector<AuditRow> list_audit_events(Database& db, const AuditFilter& f,
                                        const std::optional<AuditKey>& after, int limit) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const auto rows =
        tx.exec_params(std::string("SELECT ") + kAuditRowColumns +
                           "  FROM audit_events e LEFT JOIN audit_leaves l ON l.event_id = e.id"
                           " WHERE ($1::timestamptz IS NULL OR e.at >= $1)"
                           "   AND ($2::timestamptz IS NULL OR e.at < $2)"
                           "   AND ($3::uuid IS NULL OR e.alert_id = $3)"
                           "   AND ($4::bigint IS NULL OR e.delivery_id = $4)"
                           "   AND ($5::text IS NULL OR e.actor = $5)"
                           "   AND ($6::text IS NULL OR e.kind = $6)"
                           "   AND ($7::xid8 IS NULL OR (e.xid, e.id) > ($7::xid8, $8::bigint))"
                           " ORDER BY e.xid, e.id LIMIT $9",
                       f.since, f.until, f.alert_id, f.delivery_id, f.actor, f.kind,
                       after ? std::optional<std::string>(after->xid) : std::nullopt,
                       after ? std::optional<long long>(after->id) : std::nullopt, limit);
    std::vector<AuditRow> out;
    for (const auto& r : rows) {
      out.push_back(audit_row(r));
    }
    return out;
  });
}

}  // namespace araldo::store
