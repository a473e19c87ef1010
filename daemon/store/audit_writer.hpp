#pragma once
// The audit log's one writer: every event an auditor may ask about is inserted here (or
// by a statement built with append_audit_sql()), inside the same transaction as the change
// it describes. Sealing them into the Merkle tree is daemon/audit's job.
#include <boost/json/object.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace araldo::store {

inline constexpr const char* system_actor = "system";

struct AuditEvent {
  std::string actor;  // API key name, or "system"
  std::string kind;   // alert.accepted, delivery.attempt, delivery.sent, key.created, ...
  std::optional<std::string> alert_id;
  std::optional<long long> delivery_id;
  boost::json::object detail;
};

void append_audit_event(pqxx::transaction_base& tx, const AuditEvent& event);
// Many events in one statement, inserted in the order given.
void append_audit_events(pqxx::transaction_base& tx, const std::vector<AuditEvent>& events);
// The one INSERT into audit_events, for a statement that makes its events itself: `rows`
// is a query with columns n (the order), actor, kind, alert_id, delivery_id, detail.
std::string append_audit_sql(const std::string& rows);

}  // namespace araldo::store
