#include "channels/x/oauth1_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <stdexcept>

namespace araldo::channels::x {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// The oauth_* parameters that are signed (all but oauth_signature), in key order.
Params protocol_parameters(const OAuth1Credentials& c, const OAuth1Request& r) {
  return {{"oauth_consumer_key", c.consumer_key},
          {"oauth_nonce", r.nonce},
          {"oauth_signature_method", "HMAC-SHA1"},
          {"oauth_timestamp", r.timestamp},
          {"oauth_token", c.token},
          {"oauth_version", "1.0"}};
}

}  // namespace

std::string percent_encode(std::string_view text) {
  // Boost.URL writes uppercase hex by default, as OAuth 1.0a requires.
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string signature_base_string(const OAuth1Credentials& c, const OAuth1Request& r) {
  Params encoded;
  for (const auto& [k, v] : r.parameters)
    encoded.emplace_back(percent_encode(k), percent_encode(v));
  for (const auto& [k, v] : protocol_parameters(c, r)) {
    encoded.emplace_back(percent_encode(k), percent_encode(v));
  }
  std::sort(encoded.begin(), encoded.end());  // by encoded key, then encoded value
  std::string parameter_string;
  for (const auto& [k, v] : encoded) {
    parameter_string += (parameter_string.empty() ? "" : "&") + k + "=" + v;
  }
  std::string method = r.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return method + "&" + percent_encode(r.base_url) + "&" + percent_encode(parameter_string);
}

std::string oauth1_signature(const OAuth1Credentials& c, const OAuth1Request& r) {
  const std::string key =
      percent_encode(c.consumer_secret.reveal()) + "&" + percent_encode(c.token_secret.reveal());
  const std::string base = signature_base_string(c, r);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac.data(),
            &mac_size)) {
    throw std::runtime_error("HMAC-SHA1 failed");
  }
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> b64{};
  const int n = EVP_EncodeBlock(b64.data(), mac.data(), static_cast<int>(mac_size));
  return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

std::string oauth1_authorization_header(const OAuth1Credentials& c, const OAuth1Request& r) {
  auto params = protocol_parameters(c, r);
  params.emplace_back("oauth_signature", oauth1_signature(c, r));
  std::sort(params.begin(), params.end());
  std::string header = "OAuth ";
  for (std::size_t i = 0; i < params.size(); ++i) {
    header += (i ? ", " : "") + percent_encode(params[i].first) + "=\"" +
              percent_encode(params[i].second) + "\"";
  }
  return header;
}

}  // namespace araldo::channels::x
