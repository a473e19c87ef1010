#include "daemon/api/channel_state.hpp"

#include "channels/registry.hpp"
#include "daemon/dispatch/dispatcher.hpp"

namespace araldo::api {

ChannelStates channel_states(const channels::ChannelSet& channels,
                             const dispatch::Dispatcher& dispatcher) {
  return [&channels, &dispatcher] {
    std::map<std::string, ChannelState> out;
    const auto status = dispatcher.channel_status();
    for (const auto& c : channels.all()) {
      auto& state = out[c->name()];
      state.type = c->settings().type;
      state.enabled = c->settings().enabled;
      if (const auto it = status.find(c->name()); it != status.end()) {
        state.state = it->second.state;
        state.reason = it->second.reason;
        state.resumes_in_ms = it->second.resumes_in_ms;
      }
      for (const auto& t : c->targets()) state.targets.push_back(t.address);
    }
    return out;
  };
}

}  // namespace araldo::api
