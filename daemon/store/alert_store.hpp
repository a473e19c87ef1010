#pragma once
// Alerts and their deliveries: written together at intake, read back for status.
#include <boost/json/value.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daemon/model/alert.hpp"

namespace araldo::store {

inline constexpr const char* deliveries_notify_channel = "araldo_deliveries";

struct NewDelivery {
  std::string channel;
  std::string channel_type;
  std::string target;
  std::string rendered_text;
};

struct AcceptedAlert {
  std::string id;
  std::string accepted_at;
};

// One transaction: the alert, its deliveries, the audit event, then NOTIFY (delivered
// to listeners only at commit). Nothing is written if any part fails.
AcceptedAlert insert_alert(pqxx::connection& conn, const model::Alert& alert,
                           const std::vector<NewDelivery>& deliveries, const std::string& actor);

struct DeliveryStatus {
  long long id = 0;
  std::string channel;
  std::string channel_type;
  std::string target;
  std::string state;
  int attempts = 0;
  std::optional<std::string> next_attempt_at;
  std::optional<std::string> platform_id;
  std::optional<std::string> last_error;
  std::string updated_at;
  std::optional<std::string> finished_at;
  std::string rendered_text;
};

struct AlertStatus {
  std::string id;
  std::string accepted_at;
  std::string submitted_by;
  boost::json::value document;
  std::vector<DeliveryStatus> deliveries;
};

std::optional<AlertStatus> find_alert(pqxx::connection& conn, const std::string& id);

}  // namespace araldo::store
