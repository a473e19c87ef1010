#pragma once
// The platforms' side of their signatures, written for the emulator alone: it must never
// call the daemon's signer, or a bug shared by both would pass (the X signature is pinned
// to X's published worked vector in tests/unit/emulator_checks_test.cpp).
#include <map>
#include <string>
#include <string_view>

namespace araldo::emulator::crypto {

// RFC 3986 percent-encoding as OAuth 1.0a wants it: all but A-Z a-z 0-9 - . _ ~, as %XX.
std::string oauth_encode(std::string_view raw);

// X's OAuth 1.0a HMAC-SHA1 signature (base64) over a request: the method, the URL
// without query, and every query, form and oauth_* parameter but oauth_signature.
std::string oauth1_hmac_sha1(std::string_view method, std::string_view base_url,
                             const std::multimap<std::string, std::string>& parameters,
                             std::string_view consumer_secret, std::string_view token_secret);

// Graph API appsecret_proof: lowercase hex of HMAC-SHA256(app secret, access token).
std::string graph_appsecret_proof(std::string_view app_secret, std::string_view token);

// Meta's webhook signature header value: "sha256=" + lowercase hex of
// HMAC-SHA256(app secret, raw body).
std::string hub_signature(std::string_view app_secret, std::string_view body);

// Comparison whose time does not depend on where the strings differ.
bool same(std::string_view a, std::string_view b);

}  // namespace araldo::emulator::crypto
