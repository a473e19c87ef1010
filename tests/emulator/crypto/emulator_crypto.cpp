#include "tests/emulator/crypto/emulator_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace araldo::emulator::crypto {
namespace {

std::vector<unsigned char> hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  out.resize(len);
  return out;
}

}  // namespace

std::string oauth_encode(std::string_view raw) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string oauth1_hmac_sha1(std::string_view method, std::string_view base_url,
                             const std::multimap<std::string, std::string>& parameters,
                             std::string_view consumer_secret, std::string_view token_secret) {
  std::multimap<std::string, std::string> encoded;
  for (const auto& [k, v] : parameters) {
    if (k != "oauth_signature") encoded.emplace(oauth_encode(k), oauth_encode(v));
  }
  std::vector<std::pair<std::string, std::string>> sorted(encoded.begin(), encoded.end());
  std::sort(sorted.begin(), sorted.end());
  std::string parameter_string;
  for (const auto& [k, v] : sorted) {
    if (!parameter_string.empty()) parameter_string += '&';
    parameter_string += k + "=" + v;
  }
  std::string upper(method);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string base =
      upper + "&" + oauth_encode(base_url) + "&" + oauth_encode(parameter_string);
  const std::string key = oauth_encode(consumer_secret) + "&" + oauth_encode(token_secret);
  const auto mac = hmac(EVP_sha1(), key, base);
  std::string b64(4 * ((mac.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac.data(),
                                static_cast<int>(mac.size()));
  b64.resize(static_cast<std::size_t>(n));
  return b64;
}

std::string graph_appsecret_proof(std::string_view app_secret, std::string_view token) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : hmac(EVP_sha256(), app_secret, token)) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string hub_signature(std::string_view app_secret, std::string_view body) {
  return "sha256=" + graph_appsecret_proof(app_secret, body);
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace araldo::emulator::crypto
