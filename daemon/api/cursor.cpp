#include "daemon/api/cursor.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <boost/json.hpp>
#include <stdexcept>

#include "daemon/text/digest.hpp"

namespace araldo::api {
namespace {

std::string base64url(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string in(text);
  for (auto& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (in.size() % 4 != 0) in += '=';
  std::string out(3 * in.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  for (auto it = in.rbegin(); it != in.rend() && *it == '='; ++it) --size;
  out.resize(size);
  return out;
}

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CursorCodec::CursorCodec(std::string secret, std::chrono::seconds lifetime)
    : secret_(std::move(secret)), lifetime_(lifetime) {}

std::string CursorCodec::encode(const boost::json::object& position, std::string_view query) const {
  const boost::json::object payload{
      {"q", text::sha256_hex(query)}, {"exp", unix_now() + lifetime_.count()}, {"p", position}};
  const auto body = base64url(boost::json::serialize(payload));
  return body + "." + text::hmac_sha256_hex(secret_, body);
}

std::variant<boost::json::object, CursorError> CursorCodec::decode(std::string_view cursor,
                                                                   std::string_view query) const {
  const auto dot = cursor.find('.');
  const CursorError forged{"the cursor is not one this server issued: start again without it"};
  if (dot == std::string_view::npos) return forged;
  const auto body = cursor.substr(0, dot);
  const auto mac = cursor.substr(dot + 1);
  const auto expected = text::hmac_sha256_hex(secret_, body);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) {
    return forged;
  }
  const auto json = from_base64url(body);
  if (!json) return forged;
  boost::system::error_code ec;
  const auto payload = boost::json::parse(*json, ec);
  if (ec || !payload.is_object()) return forged;
  const auto& o = payload.as_object();
  const auto* q = o.if_contains("q");
  const auto* exp = o.if_contains("exp");
  const auto* p = o.if_contains("p");
  if (!q || !q->is_string() || !exp || !exp->is_int64() || !p || !p->is_object()) return forged;
  if (q->as_string() != text::sha256_hex(query)) {
    return CursorError{
        "the cursor belongs to another query: keep the same filters, or start "
        "again without it"};
  }
  if (exp->as_int64() < unix_now()) {
    return CursorError{"the cursor has expired: start again without it"};
  }
  return p->as_object();
}

std::string cursor_secret(const std::string* configured_key) {
  if (configured_key) return text::hmac_sha256_hex(*configured_key, "araldo pagination cursors");
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("no randomness for the cursor key");
  }
  return text::to_hex(random.data(), random.size());
}

}  // namespace araldo::api
