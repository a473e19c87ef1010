#pragma once
// The audit log's Merkle tree, as Certificate Transparency defines it (RFC 6962 / 9162):
// leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right), and the tree of n
// leaves splits at the largest power of two below n. Hashes are 32 raw bytes.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace araldo::audit::merkle {

using Hash = std::array<unsigned char, 32>;

Hash leaf_hash(std::string_view entry);
Hash node_hash(const Hash& left, const Hash& right);
Hash empty_root();  // SHA-256 of nothing: the root of an empty log
std::string hex(const Hash& h);
bool from_hex(std::string_view text, Hash& out);
// A hash as the database keeps it (32 raw bytes); a value of any other length becomes
// all zeros, which no real hash matches.
Hash from_bytes(std::string_view raw);

// The root of leaves[0..n).
Hash root(const std::vector<Hash>& leaves, std::size_t n);

// A growing tree's right edge (the roots of its perfect subtrees, largest first): appends
// in O(log n) and gives the root of everything appended so far. The sequencer keeps one.
class Frontier {
 public:
  Frontier() = default;
  // A frontier saved as its peaks (peaks(), concatenated); false if they do not fit `size`.
  static bool restore(std::uint64_t size, std::string_view peaks, Frontier& out);
  std::string peaks() const;
  void append(const Hash& leaf);
  Hash root() const;
  std::uint64_t size() const { return size_; }

 private:
  std::vector<Hash> peaks_;  // one per set bit of size_, largest subtree first
  std::uint64_t size_ = 0;
};

// Inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162 2.1.3).
std::vector<Hash> inclusion_proof(const std::vector<Hash>& leaves, std::uint64_t index,
                                  std::uint64_t size);
bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size,
                      const std::vector<Hash>& proof, const Hash& root);

// Consistency proof between the trees of the first `old_size` and `new_size` leaves
// (RFC 9162 2.1.4): the old tree is a prefix of the new one.
std::vector<Hash> consistency_proof(const std::vector<Hash>& leaves, std::uint64_t old_size,
                                    std::uint64_t new_size);
bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, const std::vector<Hash>& proof);

}  // namespace araldo::audit::merkle
