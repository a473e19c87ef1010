#pragma once
// The two-person rule's deadline: an approval request nobody answered in time ends with
// nothing sent. Any daemon may end it; the statement is idempotent. The daemon runs it
// every second (Workers::every).
#include "daemon/store/database.hpp"

namespace araldo::intake {

// One round: ends every request past its deadline.
void expire_approvals(store::Database& db);

}  // namespace araldo::intake
