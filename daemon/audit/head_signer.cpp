#include "daemon/audit/head_signer.hpp"

#include <openssl/evp.h>

#include <stdexcept>
#include <vector>

#include "daemon/text/digest.hpp"

namespace araldo::audit {
namespace {

std::optional<std::vector<unsigned char>> unhex(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned v = 0;
    for (char c : text.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    out.push_back(static_cast<unsigned char>(v));
  }
  return out;
}

}  // namespace

std::string head_message(std::uint64_t size, const merkle::Hash& root,
                         const std::string& signed_at) {
  return "araldo-audit-head-v1\n" + std::to_string(size) + "\n" + merkle::hex(root) + "\n" +
         signed_at;
}

struct HeadSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

HeadSigner::HeadSigner(const std::string& seed_hex) : key_(std::make_unique<Key>()) {
  const auto seed = unhex(seed_hex);
  if (!seed || seed->size() != 32) {
    throw std::invalid_argument("audit signing key: expected 64 hex digits (an Ed25519 seed)");
  }
  key_->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed->data(), seed->size());
  if (!key_->pkey) throw std::runtime_error("audit signing key: OpenSSL refused it");
}

HeadSigner::~HeadSigner() = default;

std::string HeadSigner::public_key_hex() const {
  unsigned char pub[32];
  std::size_t len = sizeof(pub);
  EVP_PKEY_get_raw_public_key(key_->pkey, pub, &len);
  return text::to_hex(pub, len);
}

std::string HeadSigner::sign_hex(const std::string& message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  std::size_t len = sizeof(sig);
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    throw std::runtime_error("signing the audit head failed");
  }
  return text::to_hex(sig, len);
}

bool verify_head_signature(const std::string& public_key_hex, const std::string& message,
                           const std::string& signature_hex) {
  const auto pub = unhex(public_key_hex);
  const auto sig = unhex(signature_hex);
  if (!pub || pub->size() != 32 || !sig || sig->size() != 64) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub->data(), pub->size()),
      EVP_PKEY_free);
  if (!pkey) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), sig->data(), sig->size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace araldo::audit
