#pragma once
// The web console's files (daemon/console/files), compiled into araldod: no Node, no
// build server, nothing to install at run time. Served without a key; every API call the
// page makes carries the key its user typed, under the same roles as curl.
#include "daemon/api/route_table.hpp"

namespace araldo::console {

// GET /console and /console/{file}.
http::Response serve(const api::Call& call);

}  // namespace araldo::console
