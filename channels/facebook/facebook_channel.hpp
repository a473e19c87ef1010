#pragma once
#include <memory>

#include "channels/channel.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::facebook {

// POST /{version}/{page-id}/feed with a Page access token and appsecret_proof. Config
// keys: page_id, page_access_token, app_secret, graph_version, base_url.
std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section);

}  // namespace araldo::channels::facebook
