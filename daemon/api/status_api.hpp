#pragma once
// What the console shows everyone: who the key belongs to (GET /v1/me), and each
// channel's state with its queue (GET /v1/status).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

struct ChannelState {
  std::string type;
  std::string state;  // ok, throttled, stopped
  std::string reason;
  long long resumes_in_ms = 0;
  std::vector<std::string> targets;  // the addresses its configuration names
};

class StatusApi {
 public:
  StatusApi(store::Database& db, std::function<std::map<std::string, ChannelState>()> channels);
  http::Response me(const Call& call) const;
  http::Response status(const Call& call) const;

 private:
  store::Database& db_;
  std::function<std::map<std::string, ChannelState>()> channels_;
};

}  // namespace araldo::api
