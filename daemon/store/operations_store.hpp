#pragma once
// What an operator's dashboard reads from the database at each scrape: the queue per
// channel (unfinished deliveries by state, how many are due, the oldest due one's age),
// how far ahead each channel's send slots are booked, the audit log's unsealed tail, and
// inbound items not applied yet. Every figure comes from an index, not a table scan.
#include <map>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

// A target that moved for good (a Telegram group became a supergroup), as remembered.
struct TargetMigration {
  std::string channel, from, to, at;
};

struct OperationsSnapshot {
  std::map<std::pair<std::string, std::string>, long long> unfinished;  // (channel, state)
  std::map<std::string, long long> due;                                 // due now, per channel
  std::map<std::string, double> oldest_due_seconds;    // age of the oldest due delivery
  std::map<std::string, double> slots_booked_seconds;  // next free send slot, from now
  long long unsealed_events = 0;
  double sealing_lag_seconds = 0;  // age of the oldest event not sealed yet
  long long inbound_waiting = 0;   // webhook items stored, not applied yet
  std::vector<TargetMigration> migrations;
};

OperationsSnapshot operations_snapshot(Database& db);

}  // namespace araldo::store
