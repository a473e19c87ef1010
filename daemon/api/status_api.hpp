#pragma once
// What the console shows everyone: who the key belongs to (GET /v1/me), and each
// channel's state with its queue (GET /v1/status).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/api/channel_state.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class StatusApi {
 public:
  StatusApi(store::Database& db, ChannelStates channels);
  http::Response me(const Call& call) const;
  http::Response status(const Call& call) const;

 private:
  store::Database& db_;
  ChannelStates channels_;
};

}  // namespace araldo::api
