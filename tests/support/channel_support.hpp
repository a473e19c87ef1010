#pragma once
// What the channel plugin tests share: a channel built from a YAML config section, and a
// plugin's outgoing request as an emulator receives it.
#include <memory>
#include <string>

#include "channels/registry.hpp"

namespace araldo::test_support {

std::unique_ptr<channels::Channel> make_channel(const std::string& name, const std::string& yaml);

// Method, path and query of the URL, headers (with Host from the URL) and body.
http::Request as_received(const channels::OutgoingRequest& out);

}  // namespace araldo::test_support
