#pragma once
#include <memory>

#include "channels/channel.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::telegram {

// Bot API sendMessage in HTML parse mode. Config keys: bot_token, chats, base_url,
// disable_notification.
std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section);

}  // namespace araldo::channels::telegram
