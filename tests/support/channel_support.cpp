#include "tests/support/channel_support.hpp"

#include <boost/url/parse.hpp>

namespace araldo::test_support {

std::unique_ptr<channels::Channel> make_channel(const std::string& name, const std::string& yaml) {
  channels::ChannelRegistry registry;
  channels::register_all_channels(registry);
  config::Section s(YAML::Load(yaml), "channels." + name, config::process_env);
  return registry.create(name, s);
}

http::Request as_received(const channels::OutgoingRequest& out) {
  const auto url = boost::urls::parse_absolute_uri(out.url).value();
  http::Request in;
  in.method = out.method;
  in.target = std::string(url.encoded_target());
  in.headers = out.headers;
  in.headers.add("Host", std::string(url.encoded_host_and_port()));
  in.body = out.body;
  return in;
}

}  // namespace araldo::test_support
