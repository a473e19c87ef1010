#pragma once
// What a key may do. Each route names the roles it admits (api/route_table):
//   operator   sends, cancels, retries, and reads alerts and deliveries
//   scheduler  sends (a cron job, a schedule) and reads the alerts it sent
//   auditor    reads: alerts, deliveries, the audit log and its verification
//   admin      keys, subscribers, channel status; it sends nothing
#include <optional>
#include <string>
#include <string_view>

namespace araldo::api {

enum class Role { Operator, Scheduler, Auditor, Admin };

std::optional<Role> parse_role(std::string_view text);
std::string_view to_string(Role role);

// Who is asking: the key's name (the actor the audit log records) and its role.
struct Caller {
  std::string name;
  Role role = Role::Auditor;
};

}  // namespace araldo::api
