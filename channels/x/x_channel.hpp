#pragma once
#include <memory>

#include "channels/channel.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::x {

// POST /2/tweets, OAuth 1.0a user context, posting as one account. Config keys:
// account, consumer_key, consumer_secret, access_token, access_token_secret, base_url.
std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section);

}  // namespace araldo::channels::x
