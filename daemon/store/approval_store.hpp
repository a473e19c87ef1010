#pragma once
// The two-person rule in the database: an alert held as 'awaiting' (its deliveries never
// due) until an operator other than its author approves it, rejects it, or the request
// expires. Each decision is one transaction with its audit event.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct ApprovalDecision {
  enum class Result {
    decided,       // approved or rejected now
    not_found,     // no such alert
    not_awaiting,  // no approval needed, or already decided (`state` says which)
    expired,       // the request expired before anyone decided
    own_alert,     // the author cannot approve or reject their own alert
  };
  Result result = Result::not_found;
  std::string state;  // the alert's approval state after the call
  std::string submitted_by;
  std::string expires_at;  // when the request expires (or expired)
  int deliveries = 0;      // released (approved) or cancelled (rejected)
};

// Approves (reason empty) or rejects (with the reason) alert `alert_id` as `actor`.
ApprovalDecision decide_approval(Database& db, const std::string& alert_id,
                                 const std::string& actor, bool approve, const std::string& reason);

// Ends every request older than its deadline: the alert's deliveries expire unsent.
// Returns how many alerts it ended.
int expire_approvals(Database& db);

}  // namespace araldo::store
