#pragma once
// Turns configuration into channel instances, by plugin type name. Adding a platform
// means one folder under channels/ and one line in register_all.cpp.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels {

// Reads the plugin's own keys from `section` (common keys are already consumed).
using ChannelFactory =
    std::function<std::unique_ptr<Channel>(ChannelSettings, config::Section& section)>;

class ChannelRegistry {
 public:
  void add(std::string type, ChannelFactory factory);
  std::vector<std::string> types() const;
  // Builds one channel from its config section; throws config::ConfigError.
  std::unique_ptr<Channel> create(const std::string& name, config::Section& section) const;

 private:
  std::map<std::string, ChannelFactory> factories_;
};

// Registers every plugin Araldo ships.
void register_all_channels(ChannelRegistry& registry);

// The configured channel instances, by name.
class ChannelSet {
 public:
  void add(std::unique_ptr<Channel> channel);
  const Channel* find(const std::string& name) const;
  std::vector<const Channel*> enabled() const;
  const std::vector<std::unique_ptr<Channel>>& all() const { return channels_; }

 private:
  std::vector<std::unique_ptr<Channel>> channels_;
};

}  // namespace araldo::channels
