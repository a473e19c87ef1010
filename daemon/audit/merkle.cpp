#include "daemon/audit/merkle.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <initializer_list>

#include "daemon/text/digest.hpp"

namespace araldo::audit::merkle {
namespace {

// The largest power of two strictly below n (n >= 2).
std::uint64_t split(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH(D[begin, end)).
Hash subtree(const std::vector<Hash>& leaves, std::uint64_t begin, std::uint64_t end) {
  if (end - begin == 1) return leaves[begin];
  const auto k = split(end - begin);
  return node_hash(subtree(leaves, begin, begin + k), subtree(leaves, begin + k, end));
}

// PATH(m, D[begin, end)).
void path(const std::vector<Hash>& leaves, std::uint64_t m, std::uint64_t begin, std::uint64_t end,
          std::vector<Hash>& out) {
  if (end - begin <= 1) return;
  const auto k = split(end - begin);
  if (m < k) {
    path(leaves, m, begin, begin + k, out);
    out.push_back(subtree(leaves, begin + k, end));
  } else {
    path(leaves, m - k, begin + k, end, out);
    out.push_back(subtree(leaves, begin, begin + k));
  }
}

// SUBPROOF(m, D[begin, end), b).
void subproof(const std::vector<Hash>& leaves, std::uint64_t m, std::uint64_t begin,
              std::uint64_t end, bool b, std::vector<Hash>& out) {
  const auto n = end - begin;
  if (m == n) {
    if (!b) out.push_back(subtree(leaves, begin, end));
    return;
  }
  const auto k = split(n);
  if (m <= k) {
    subproof(leaves, m, begin, begin + k, b, out);
    out.push_back(subtree(leaves, begin + k, end));
  } else {
    subproof(leaves, m - k, begin + k, end, false, out);
    out.push_back(subtree(leaves, begin, begin + k));
  }
}

// SHA-256(prefix || parts...): RFC 6962 tells leaves (0x00) from nodes (0x01) this way.
Hash prefixed_hash(unsigned char prefix, std::initializer_list<std::string_view> parts) {
  Hash h;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &prefix, 1);
  for (const auto& p : parts) SHA256_Update(&ctx, p.data(), p.size());
  SHA256_Final(h.data(), &ctx);
  return h;
}

}  // namespace

Hash leaf_hash(std::string_view entry) {
  return prefixed_hash(0x00, {entry});
}

Hash node_hash(const Hash& left, const Hash& right) {
  auto view = [](const Hash& h) {
    return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
  };
  return prefixed_hash(0x01, {view(left), view(right)});
}

Hash empty_root() {
  Hash h;
  SHA256(nullptr, 0, h.data());
  return h;
}

std::string hex(const Hash& h) {
  return text::to_hex(h.data(), h.size());
}

Hash from_bytes(std::string_view raw) {
  Hash h{};
  if (raw.size() == h.size()) std::copy(raw.begin(), raw.end(), h.begin());
  return h;
}

bool from_hex(std::string_view text, Hash& out) {
  if (text.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

Hash root(const std::vector<Hash>& leaves, std::size_t n) {
  return n == 0 ? empty_root() : subtree(leaves, 0, n);
}

bool Frontier::restore(std::uint64_t size, std::string_view peaks, Frontier& out) {
  if (peaks.size() != static_cast<std::size_t>(__builtin_popcountll(size)) * 32) return false;
  out = Frontier();
  out.size_ = size;
  for (std::size_t i = 0; i < peaks.size(); i += 32) {
    Hash h;
    std::copy(peaks.begin() + static_cast<long>(i), peaks.begin() + static_cast<long>(i) + 32,
              h.begin());
    out.peaks_.push_back(h);
  }
  return true;
}

std::string Frontier::peaks() const {
  std::string out;
  for (const auto& p : peaks_) out.append(reinterpret_cast<const char*>(p.data()), p.size());
  return out;
}

void Frontier::append(const Hash& leaf) {
  // Like a binary counter: each carry merges two equal subtrees.
  Hash carry = leaf;
  for (std::uint64_t s = size_; s & 1; s >>= 1) {
    carry = node_hash(peaks_.back(), carry);
    peaks_.pop_back();
  }
  peaks_.push_back(carry);
  ++size_;
}

Hash Frontier::root() const {
  if (peaks_.empty()) return empty_root();
  Hash acc = peaks_.back();
  for (auto it = peaks_.rbegin() + 1; it != peaks_.rend(); ++it) acc = node_hash(*it, acc);
  return acc;
}

std::vector<Hash> inclusion_proof(const std::vector<Hash>& leaves, std::uint64_t index,
                                  std::uint64_t size) {
  std::vector<Hash> out;
  if (index < size && size <= leaves.size()) path(leaves, index, 0, size, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& proof, const Hash& root_hash) {
  // RFC 9162 2.1.3.2.
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const auto& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root_hash;
}

std::vector<Hash> consistency_proof(const std::vector<Hash>& leaves, std::uint64_t old_size,
                                    std::uint64_t new_size) {
  std::vector<Hash> out;
  if (old_size > 0 && old_size < new_size && new_size <= leaves.size())
    subproof(leaves, old_size, 0, new_size, true, out);
  return out;
}

bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, const std::vector<Hash>& proof) {
  // RFC 9162 2.1.4.2.
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0 || old_size > new_size || proof.empty()) return false;
  std::vector<Hash> p = proof;
  if ((old_size & (old_size - 1)) == 0) p.insert(p.begin(), old_root);  // a power of two
  std::uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = p[0], sr = p[0];
  for (std::size_t i = 1; i < p.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(p[i], fr);
      sr = node_hash(p[i], sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, p[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace araldo::audit::merkle
