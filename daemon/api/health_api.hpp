#pragma once
// /healthz: the process answers. /readyz: it can do its job (database reachable, schema
// current, dispatcher connected).
#include <functional>

#include "daemon/http/http_message.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

http::Response healthz();
http::Response readyz(store::Database& db, const std::function<bool()>& dispatcher_connected);

}  // namespace araldo::api
