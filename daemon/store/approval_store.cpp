#include "daemon/store/approval_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"
#include "daemon/store/reach_store.hpp"

namespace araldo::store {
namespace {

ApprovalDecision decide(pqxx::connection& conn, const std::string& alert_id,
                        const std::string& actor, bool approve, const std::string& reason) {
  pqxx::work tx(conn);
  ApprovalDecision out;
  const auto row = tx.exec_params(
      "SELECT submitted_by, coalesce(approval, ''), approval_expires_at <= now(),"
      "       to_json(approval_expires_at)#>>'{}'"
      "  FROM alerts WHERE id = $1::uuid FOR UPDATE",
      alert_id);
  if (row.empty()) return out;
  out.submitted_by = row[0][0].as<std::string>();
  out.state = row[0][1].as<std::string>();
  if (!row[0][3].is_null()) out.expires_at = row[0][3].as<std::string>();
  if (out.state != "awaiting") {
    out.result = ApprovalDecision::Result::not_awaiting;
    return out;
  }
  if (row[0][2].as<bool>()) {
    out.result = ApprovalDecision::Result::expired;
    return out;  // the sweep ends it, with its own event
  }
  if (out.submitted_by == actor) {
    out.result = ApprovalDecision::Result::own_alert;
    return out;
  }
  out.state = approve ? "approved" : "rejected";
  tx.exec_params(
      "UPDATE alerts SET approval = $2, approval_decided_by = $3, approval_decided_at = now(),"
      "       approval_reason = nullif($4, '') WHERE id = $1::uuid",
      alert_id, out.state, actor, reason);
  if (approve) {
    // The first parts become due (at send_at for a scheduled notice); later parts still
    // wait for the part before them.
    out.deliveries = static_cast<int>(
        tx.exec_params("UPDATE deliveries d SET next_attempt_at = greatest(coalesce(a.send_at,"
                       "       now()), now()), updated_at = now()"
                       "  FROM alerts a WHERE a.id = d.alert_id AND d.alert_id = $1::uuid"
                       "   AND d.part = 1 AND d.state = 'pending'",
                       alert_id)
            .affected_rows());
  } else {
    out.deliveries = static_cast<int>(
        tx.exec_params("UPDATE deliveries SET state = 'cancelled', finished_at = now(),"
                       "       updated_at = now(), last_error = 'rejected by ' || $2 || ': ' || $3"
                       " WHERE alert_id = $1::uuid AND state IN ('pending','retrying')",
                       alert_id, actor, reason)
            .affected_rows());
  }
  boost::json::object detail{{"submitted_by", out.submitted_by}, {"deliveries", out.deliveries}};
  if (!approve) detail["reason"] = reason;
  // What the approver was shown: whom the alert reaches.
  const auto reach = accepted_reach(tx, alert_id);
  detail["reach"] = {{"subscribers", reach.subscribers},
                     {"public_targets", reach.public_targets},
                     {"zones", boost::json::array(reach.zones.begin(), reach.zones.end())},
                     {"summary", reach.summary()}};
  append_audit_event(tx, {actor, approve ? "alert.approved" : "alert.rejected", alert_id,
                          std::nullopt, std::move(detail)});
  tx.commit();
  out.result = ApprovalDecision::Result::decided;
  return out;
}

}  // namespace

ApprovalDecision decide_approval(Database& db, const std::string& alert_id,
                                 const std::string& actor, bool approve,
                                 const std::string& reason) {
  return db.with_connection(
      [&](pqxx::connection& conn) { return decide(conn, alert_id, actor, approve, reason); });
}

int expire_approvals(Database& db) {
  return db.with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    // The alerts' rows locked first, alone: the statement below then sees every chunk of
    // an audience written so far (fanout_store.hpp).
    tx.exec(
        "SELECT 1 FROM alerts WHERE approval = 'awaiting' AND approval_expires_at <= now()"
        " FOR NO KEY UPDATE");
    const auto rows = tx.exec(
        "WITH e AS (UPDATE alerts SET approval = 'expired', approval_decided_at = now()"
        "   WHERE approval = 'awaiting' AND approval_expires_at <= now()"
        "   RETURNING id, submitted_by, approval_expires_at),"
        " d AS (UPDATE deliveries SET state = 'expired', finished_at = now(), updated_at = now(),"
        "   last_error = 'nobody approved it before ' || (to_json(e.approval_expires_at)#>>'{}')"
        "   FROM e WHERE deliveries.alert_id = e.id AND deliveries.state IN ('pending','retrying')"
        "   RETURNING deliveries.alert_id) " +
        append_audit_sql("SELECT row_number() OVER (ORDER BY e.id) AS n, '" +
                         std::string(system_actor) +
                         "'::text AS actor, 'alert.approval_expired' AS kind, e.id AS alert_id,"
                         " NULL::bigint AS delivery_id,"
                         " jsonb_build_object('submitted_by', e.submitted_by, 'expired_at',"
                         "   e.approval_expires_at, 'deliveries',"
                         "   (SELECT count(*) FROM d WHERE d.alert_id = e.id)) AS detail FROM e") +
        " RETURNING 1");
    tx.commit();
    return static_cast<int>(rows.size());
  });
}

}  // namespace araldo::store
