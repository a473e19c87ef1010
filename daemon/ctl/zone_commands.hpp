#pragma once
// araldoctl zones: import (a GeoJSON file, admin), list, delete (admin).
#include <string>

#include "daemon/ctl/commands.hpp"

namespace araldo::ctl {

Exit import_zones(Context& c, const std::string& file);
Exit list_zones(Context& c);
Exit delete_zone(Context& c, const std::string& name);

}  // namespace araldo::ctl
