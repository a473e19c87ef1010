#pragma once
#include <memory>

#include "channels/channel.hpp"
#include "daemon/config/section.hpp"

namespace araldo::channels::whatsapp {

// WhatsApp Cloud API template messages, one per subscriber. Config keys:
// phone_number_id, access_token, app_secret, graph_version, base_url, and
// template: {name, parameters, languages: {our language: WhatsApp language code}}.
// The channel's Mustache template renders one body parameter per line.
std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section);

}  // namespace araldo::channels::whatsapp
