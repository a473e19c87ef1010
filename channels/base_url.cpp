#include "channels/base_url.hpp"

#include <boost/url/parse.hpp>

namespace araldo::channels {

std::string read_base_url(config::Section& section, const std::string& fallback) {
  auto url = section.optional_string("base_url", fallback);
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") ||
      parsed->host().empty()) {
    throw config::ConfigError(section.path() + ".base_url: must be an http(s) URL");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace araldo::channels
