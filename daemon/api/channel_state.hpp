#pragma once
// What the API says of each configured channel. /readyz, /metrics and /v1/status all read
// this one type, made in one place (channel_states below) from the dispatcher's view and
// the configuration.
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace araldo::channels {
class ChannelSet;
}
namespace araldo::dispatch {
class Dispatcher;
}

namespace araldo::api {

struct ChannelState {
  std::string type;  // the plugin: telegram, x, facebook, whatsapp
  bool enabled = true;
  std::string state = "ok";  // ok / throttled / stopped
  std::string reason;        // why it is throttled or stopped
  long long resumes_in_ms = 0;
  std::vector<std::string> targets;  // the addresses its configuration names
};

using ChannelStates = std::function<std::map<std::string, ChannelState>()>;

// Each configured channel as the dispatcher sees it now, every time it is called.
ChannelStates channel_states(const channels::ChannelSet& channels,
                             const dispatch::Dispatcher& dispatcher);

}  // namespace araldo::api
