#include "daemon/store/audit_writer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace araldo::store {

void append_audit_event(pqxx::transaction_base& tx, const AuditEvent& e) {
  tx.exec_params0(append_audit_sql("SELECT 1 AS n, $1::text AS actor, $2::text AS kind,"
                                   "       $3::uuid AS alert_id, $4::bigint AS delivery_id,"
                                   "       $5::jsonb AS detail"),
                  e.actor, e.kind, e.alert_id, e.delivery_id, boost::json::serialize(e.detail));
}

void append_audit_events(pqxx::transaction_base& tx, const std::vector<AuditEvent>& events) {
  if (events.empty()) return;
  boost::json::array rows;
  rows.reserve(events.size());
  for (const auto& e : events) {
    boost::json::object row{{"actor", e.actor}, {"kind", e.kind}, {"detail", e.detail}};
    if (e.alert_id) row["alert_id"] = *e.alert_id;
    if (e.delivery_id) row["delivery_id"] = *e.delivery_id;
    rows.push_back(std::move(row));
  }
  tx.exec_params0(
      append_audit_sql("SELECT n, e->>'actor' AS actor, e->>'kind' AS kind,"
                       "   (e->>'alert_id')::uuid AS alert_id,"
                       "   (e->>'delivery_id')::bigint AS delivery_id, e->'detail' AS detail"
                       " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n)"),
      boost::json::serialize(rows));
}

std::string append_audit_sql(const std::string& rows) {
  return "INSERT INTO audit_events (actor, kind, alert_id, delivery_id, detail)"
         " SELECT actor, kind, alert_id, delivery_id, detail FROM (" +
         rows + ") AS events ORDER BY n";
}

}  // namespace araldo::store
