#pragma once
// The two-person rule's deadline: an approval request nobody answered in time ends with
// nothing sent. Any daemon may end it; the statement is idempotent.
#include <chrono>
#include <stop_token>

#include "daemon/store/database.hpp"

namespace araldo::intake {

class ApprovalExpiry {
 public:
  explicit ApprovalExpiry(store::Database& db,
                          std::chrono::milliseconds interval = std::chrono::seconds(1))
      : db_(db), interval_(interval) {}
  void run(std::stop_token stop);

 private:
  store::Database& db_;
  std::chrono::milliseconds interval_;
};

}  // namespace araldo::intake
