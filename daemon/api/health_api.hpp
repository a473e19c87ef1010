#pragma once
// /healthz: the process answers. /readyz: it can do its job (database reachable, schema
// current, dispatcher connected), and how each channel is doing.
#include <functional>
#include <map>
#include <string>

#include "daemon/api/channel_state.hpp"
#include "daemon/http/http_message.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

http::Response healthz();

// A stopped channel (its credentials refused) makes the answer "degraded" but still 200:
// intake and the other channels work, and a balancer must not take the daemon away.
http::Response readyz(store::Database& db, const std::function<bool()>& dispatcher_connected,
                      const ChannelStates& channels = {});

}  // namespace araldo::api
