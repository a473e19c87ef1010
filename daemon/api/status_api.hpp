#pragma once
// What the console shows everyone: who the key belongs to and the time zone times are
// shown in (GET /v1/me), and each
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
  // `audit_public_key`: the key this daemon signs the audit log's heads with (hex); none:
  // unsigned heads.
  StatusApi(store::Database& db, ChannelStates channels,
            std::optional<std::string> audit_public_key = std::nullopt,
            std::string time_zone = "Europe/Rome");
  http::Response me(const Call& call) const;
  http::Response status(const Call& call) const;

 private:
  store::Database& db_;
  ChannelStates channels_;
  std::optional<std::string> audit_public_key_;
  std::string time_zone_;  // alerts.time_zone: how the console writes times
};

}  // namespace araldo::api
