#include "daemon/audit/audit_event.hpp"

#include <boost/json/serialize.hpp>

namespace araldo::audit {

void append(pqxx::transaction_base& tx, const AuditEvent& e) {
  tx.exec_params0(
      "INSERT INTO audit_events (actor, kind, alert_id, delivery_id, detail)"
      " VALUES ($1, $2, $3::uuid, $4, $5::jsonb)",
      e.actor, e.kind, e.alert_id, e.delivery_id, boost::json::serialize(e.detail));
}

}  // namespace araldo::audit
