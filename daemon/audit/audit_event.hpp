#pragma once
// The audit log's writer: every event an auditor may ask about goes through append(),
// inside the same transaction as the change it describes.
#include <boost/json/object.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace araldo::audit {

inline constexpr const char* system_actor = "system";

struct AuditEvent {
  std::string actor;  // API key name, or "system"
  std::string kind;   // alert.accepted, delivery.attempt, delivery.sent, key.created, ...
  std::optional<std::string> alert_id;
  std::optional<long long> delivery_id;
  boost::json::object detail;
};

void append(pqxx::transaction_base& tx, const AuditEvent& event);
// Many events in one statement, inserted in the order given.
void append_all(pqxx::transaction_base& tx, const std::vector<AuditEvent>& events);
// The one INSERT into audit_events, for a statement that makes its events itself: `rows`
// is a query with columns n (the order), actor, kind, alert_id, delivery_id, detail.
std::string append_sql(const std::string& rows);

}  // namespace araldo::audit
