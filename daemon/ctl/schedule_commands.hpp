#pragma once
// araldoctl schedules: create (from a JSON or YAML file), list, show, enable, disable,
// delete. A scheduler key manages its own schedules; an admin key every one.
#include <string>

#include "daemon/ctl/commands.hpp"

namespace araldo::ctl {

Exit create_schedule(Context& c, const std::string& file);
Exit list_schedules(Context& c);
Exit show_schedule(Context& c, const std::string& id);
Exit enable_schedule(Context& c, const std::string& id, bool enabled);
Exit delete_schedule(Context& c, const std::string& id);

}  // namespace araldo::ctl
