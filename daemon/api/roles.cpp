#include "daemon/api/roles.hpp"

#include <array>
#include <utility>

namespace araldo::api {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 4> names{{{Role::Operator, "operator"},
                                                                  {Role::Scheduler, "scheduler"},
                                                                  {Role::Auditor, "auditor"},
                                                                  {Role::Admin, "admin"}}};

}  // namespace

std::optional<Role> parse_role(std::string_view text) {
  for (const auto& [role, name] : names) {
    if (name == text) return role;
  }
  return std::nullopt;
}

std::string_view to_string(Role role) {
  for (const auto& [r, name] : names) {
    if (r == role) return name;
  }
  return "unknown";
}

}  // namespace araldo::api
