#include "channels/facebook/facebook_channel.hpp"
#include "channels/registry.hpp"
#include "channels/telegram/telegram_channel.hpp"
#include "channels/whatsapp/whatsapp_channel.hpp"
#include "channels/x/x_channel.hpp"

namespace araldo::channels {

void register_all_channels(ChannelRegistry& registry) {
  registry.add("telegram", &telegram::make_channel);
  registry.add("x", &x::make_channel);
  registry.add("facebook", &facebook::make_channel);
  registry.add("whatsapp", &whatsapp::make_channel);
}

}  // namespace araldo::channels
