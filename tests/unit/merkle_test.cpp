// The audit log's Merkle tree and signed heads: published test vectors, and every proof
// for every small tree checked against a naive tree built here.
#include <gtest/gtest.h>

#include "daemon/audit/head_signer.hpp"
#include "daemon/audit/merkle.hpp"

using namespace araldo::audit;
using merkle::Hash;

namespace {

std::vector<Hash> leaves(int n) {
  std::vector<Hash> out;
  for (int i = 0; i < n; ++i) out.push_back(merkle::leaf_hash("event " + std::to_string(i)));
  return out;
}

// RFC 6962's definition, written out directly: split at the largest power of two < n.
Hash naive_root(const std::vector<Hash>& l, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return l[begin];
  std::size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return merkle::node_hash(naive_root(l, begin, begin + k), naive_root(l, begin + k, end));
}

}  // namespace

TEST(Merkle, PublishedVectors) {
  // SHA-256 of nothing (the empty tree) and of a single 0x00 byte (the empty leaf), as
  // Certificate Transparency's tests use them.
  EXPECT_EQ(merkle::hex(merkle::empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(merkle::hex(merkle::leaf_hash("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(Merkle, FrontierRootMatchesTheDefinitionAtEverySize) {
  const auto l = leaves(70);
  merkle::Frontier f;
  for (std::size_t n = 1; n <= l.size(); ++n) {
    f.append(l[n - 1]);
    ASSERT_EQ(f.root(), naive_root(l, 0, n)) << n;
    ASSERT_EQ(merkle::root(l, n), naive_root(l, 0, n)) << n;
    merkle::Frontier restored;
    ASSERT_TRUE(merkle::Frontier::restore(n, f.peaks(), restored)) << n;
    EXPECT_EQ(restored.root(), f.root());
  }
  merkle::Frontier bad;
  EXPECT_FALSE(merkle::Frontier::restore(7, f.peaks().substr(32), bad));
}

TEST(Merkle, EveryInclusionProofVerifiesAndAWrongLeafDoesNot) {
  const auto l = leaves(33);
  for (std::uint64_t n = 1; n <= l.size(); ++n) {
    const auto root = naive_root(l, 0, n);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto proof = merkle::inclusion_proof(l, i, n);
      ASSERT_TRUE(merkle::verify_inclusion(l[i], i, n, proof, root)) << i << " in " << n;
      const auto other = l[(i + 1) % l.size()];
      EXPECT_FALSE(merkle::verify_inclusion(other, i, n, proof, root)) << i << " in " << n;
      if (n > 1) {
        EXPECT_FALSE(merkle::verify_inclusion(l[i], (i + 1) % n, n, proof, root));
      }
    }
  }
}

TEST(Merkle, EveryConsistencyProofVerifiesAndARewrittenPrefixDoesNot) {
  const auto l = leaves(33);
  auto rewritten = l;
  rewritten[2] = merkle::leaf_hash("forged");
  for (std::uint64_t n = 1; n <= l.size(); ++n) {
    for (std::uint64_t m = 1; m <= n; ++m) {
      const auto proof = merkle::consistency_proof(l, m, n);
      ASSERT_TRUE(merkle::verify_consistency(m, n, naive_root(l, 0, m), naive_root(l, 0, n), proof))
          << m << " -> " << n;
      if (m > 2 && m < n) {
        // A head kept at size m cannot be reconciled with a log whose leaf 2 changed.
        const auto forged = merkle::consistency_proof(rewritten, m, n);
        EXPECT_FALSE(merkle::verify_consistency(m, n, naive_root(l, 0, m),
                                                naive_root(rewritten, 0, n), forged))
            << m << " -> " << n;
      }
    }
  }
}

TEST(HeadSigner, Rfc8032VectorAndForgeries) {
  // RFC 8032, section 7.1, test 1.
  HeadSigner signer("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  EXPECT_EQ(signer.public_key_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(signer.sign_hex(""),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
            "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

  const auto message = head_message(42, merkle::leaf_hash("x"), "2026-11-28T12:00:00.000000Z");
  const auto signature = signer.sign_hex(message);
  EXPECT_TRUE(verify_head_signature(signer.public_key_hex(), message, signature));
  EXPECT_FALSE(verify_head_signature(
      signer.public_key_hex(),
      head_message(43, merkle::leaf_hash("x"), "2026-11-28T12:00:00.000000Z"), signature));
  HeadSigner other("0000000000000000000000000000000000000000000000000000000000000001");
  EXPECT_FALSE(verify_head_signature(other.public_key_hex(), message, signature));
  EXPECT_FALSE(verify_head_signature(signer.public_key_hex(), message, "00"));
  EXPECT_THROW(HeadSigner("not hex"), std::invalid_argument);
}
