#pragma once
// Runs the personal-data sweep (store/retention_store) every few minutes, in batches
// until a pass finds nothing, on whichever daemons run it (SKIP LOCKED shares the rows).
#include <chrono>
#include <stop_token>

#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::retention {

class RetentionSweeper {
 public:
  RetentionSweeper(store::Database& db, const privacy::Pseudonyms& pseudonyms,
                   std::chrono::seconds replay_window, std::chrono::seconds retention,
                   std::chrono::seconds interval = std::chrono::minutes(10))
      : db_(db),
        pseudonyms_(pseudonyms),
        replay_window_(replay_window),
        retention_(retention),
        interval_(interval) {}

  void run(std::stop_token stop);

 private:
  store::Database& db_;
  const privacy::Pseudonyms& pseudonyms_;
  std::chrono::seconds replay_window_, retention_, interval_;
};

}  // namespace araldo::retention
