#pragma once
// OAuth 1.0a request signing (HMAC-SHA1), user context, exactly as X documents it:
// https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a/creating-a-signature
// (steps and worked vector in shared/platforms.md). Pure: nonce and timestamp are inputs.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config/secret.hpp"

namespace araldo::channels::x {

struct OAuth1Credentials {
  std::string consumer_key;
  config::Secret consumer_secret;
  std::string token;
  config::Secret token_secret;
};

struct OAuth1Request {
  std::string method;    // "POST"
  std::string base_url;  // scheme://host/path, no query or fragment
  // Query parameters and form-encoded body parameters, decoded. A JSON body adds none.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::string nonce;
  std::string timestamp;  // Unix seconds
};

// RFC 3986 percent-encoding: all but A-Z a-z 0-9 - . _ ~, uppercase hex, UTF-8 bytes.
std::string percent_encode(std::string_view text);

std::string signature_base_string(const OAuth1Credentials& credentials,
                                  const OAuth1Request& request);
// base64(HMAC-SHA1(enc(consumer_secret)&enc(token_secret), base string)).
std::string oauth1_signature(const OAuth1Credentials& credentials, const OAuth1Request& request);
// The whole `Authorization: OAuth ...` header value.
std::string oauth1_authorization_header(const OAuth1Credentials& credentials,
                                        const OAuth1Request& request);

}  // namespace araldo::channels::x
