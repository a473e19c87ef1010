#pragma once
// Who an alert's area would reach, before it is sent: the zones it touches and the
// subscribers of each channel it would queue, by the same rules as the intake's statement
// (store/area_sql.hpp), counted without writing anything.
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daemon/model/alert_area.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/zone_store.hpp"

namespace araldo::store {

struct ChannelReach {
  std::map<std::string, long long> by_language;  // subscribers the alert would reach
  std::map<std::string, long long> by_zone;      // of them, per zone touched ("" : no zone)
};

struct Reach {
  bool targeted = false;                            // the area narrows who is reached
  std::vector<ZoneName> zones;                      // touched by the area
  std::map<std::string, ChannelReach> subscribers;  // by subscription channel
  std::vector<std::string> defined_zones;           // every zone name, to check channels'
};

// Who an accepted alert reaches, from what the intake queued: citizens (personal targets:
// subscribers) and public targets (channels, groups, pages), and the zones its area
// touched. What the approver is shown, and what the approval records.
struct AlertReach {
  long long subscribers = 0;
  long long public_targets = 0;
  std::vector<std::string> zones;
  std::string summary() const;  // "12480 subscribers in 3 zones and 4 public channels"
};
AlertReach accepted_reach(pqxx::transaction_base& tx, const std::string& alert_id);

Reach estimate_reach(Database& db, const model::AlertArea& area,
                     const std::vector<std::string>& subscription_channels);

}  // namespace araldo::store
