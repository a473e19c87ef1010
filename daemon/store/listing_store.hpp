#pragma once
// What auditors and operators page through: alerts and audit events, filtered, a page at
// a time in a stable order (keyset pagination: the last row's key, never an offset, so a
// page does not shift while new rows arrive).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct AlertFilter {
  std::optional<std::string> since, until;  // accepted_at, timestamptz text
  std::vector<std::string> severities;
  std::optional<std::string> submitted_by;
  std::optional<std::string> channel;  // has deliveries on it
  std::optional<std::string> state;    // one of alert_states (store/alert_state_sql.hpp)
};

struct AlertKey {  // newest first: the next page is older than this
  std::string accepted_at;
  std::string id;
};

struct AlertRow {
  std::string id, accepted_at, submitted_by, headline, event, severity;
  std::optional<std::string> send_at;
  std::string state;  // store/alert_state_sql.hpp
  std::map<std::string, long long> by_state;
};

std::vector<AlertRow> list_alerts(Database& db, const AlertFilter& filter,
                                  const std::optional<AlertKey>& after, int limit);

struct AuditFilter {
  std::optional<std::string> since, until;  // the event's time
  std::optional<std::string> alert_id;
  std::optional<long long> delivery_id;
  std::optional<std::string> actor, kind;
};

struct AuditKey {  // chain order: (transaction id, event id), as the sequencer seals
  std::string xid;
  long long id = 0;
};

struct AuditRow {
  long long id = 0;
  std::string xid, at, actor, kind;
  std::optional<std::string> alert_id;
  std::optional<long long> delivery_id;
  std::string detail;                // JSON
  std::optional<std::uint64_t> seq;  // its leaf in the Merkle tree; nullopt: not sealed yet
};

std::vector<AuditRow> list_audit_events(Database& db, const AuditFilter& filter,
                                        const std::optional<AuditKey>& after, int limit);

}  // namespace araldo::store
