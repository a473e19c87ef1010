// The audit log proves itself to anyone (issue 21): a witness keeps the signed heads with
// `araldoctl audit watch` and no API key; a public alert's acceptance comes with an
// inclusion proof that this test checks with its own implementation of RFC 9162 and of
// the Ed25519 check, not Araldo's; and a log a superuser rewrote consistently and signed
// with another key is caught by both the witness and `audit verify` with the pinned key.
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "daemon/audit/sequencer.hpp"
#include "daemon/store/audit_log_store.hpp"
#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

using Bytes = std::string;

Bytes sha256(const Bytes& data) {
  unsigned char out[32];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
  return Bytes(reinterpret_cast<char*>(out), n);
}

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// RFC 9162 section 2.1.3.2, written from the RFC for this test.
bool rfc9162_inclusion(std::uint64_t index, std::uint64_t size, const Bytes& leaf,
                       const std::vector<Bytes>& path, const Bytes& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Bytes r = leaf;
  for (const auto& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = sha256(Bytes(1, '\x01') + p + r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = sha256(Bytes(1, '\x01') + r + p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool ed25519_valid(const std::string& key_hex, const std::string& message,
                   const std::string& signature_hex) {
  const auto key = from_hex(key_hex), sig = from_hex(signature_hex);
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      pkey && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

const std::string kAlert =
    R"({"headline":"Prova sirene","event":"Test","category":"Safety","severity":"Minor",)"
    R"("urgency":"Future","certainty":"Observed","channels":["telegram-main"]})";

}  // namespace

class WitnessE2E : public DaemonTest {
 protected:
  bool sealed() {
    return db_->scalar("SELECT count(*) FROM audit_events") ==
           db_->scalar("SELECT count(*) FROM audit_leaves");
  }
  long long lines(const std::string& file) {
    std::ifstream in(file);
    long long n = 0;
    for (std::string l; std::getline(in, l);) n += l.empty() ? 0 : 1;
    return n;
  }
};

TEST_F(WitnessE2E, AWitnessKeepsSignedHeadsAndCatchesALogRewrittenWithAnotherKey) {
  start_daemon();
  const auto first = post_and_wait(kAlert, {"sent"});
  ASSERT_FALSE(first.empty());
  const std::string id(first.at("id").as_string());
  ASSERT_TRUE(wait_until([&] { return sealed(); }));
  const auto keep = (dir_ / "heads.jsonl").string();
  auto [status, out] = audit_watch(keep);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(lines(keep), 1);

  // The log grows; the witness checks the new head extends the kept one.
  ASSERT_FALSE(post_and_wait(kAlert, {"sent"}).empty());
  ASSERT_TRUE(wait_until([&] { return sealed(); }));
  std::tie(status, out) = audit_watch(keep);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("which extends"), std::string::npos) << out;
  EXPECT_EQ(lines(keep), 2);

  // The public proof of the first alert, checked without Araldo's code.
  const auto r = http_request("GET", daemon_url_ + "/public/alerts/" + id + "/proof");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto proof = boost::json::parse(r.body).as_object();
  const std::string entry(proof.at("entry").as_string());
  EXPECT_NE(entry.find(id), std::string::npos);
  EXPECT_NE(entry.find("alert.accepted"), std::string::npos);
  const auto& head = proof.at("head").as_object();
  std::vector<Bytes> path;
  for (const auto& h : proof.at("inclusion_proof").as_array())
    path.push_back(from_hex(std::string(h.as_string())));
  const auto leaf = sha256(Bytes(1, '\x00') + entry);
  const auto size = head.at("tree_size").to_number<std::uint64_t>();
  const auto root = from_hex(std::string(head.at("root").as_string()));
  EXPECT_TRUE(
      rfc9162_inclusion(proof.at("leaf_index").to_number<std::uint64_t>(), size, leaf, path, root));
  // A different entry does not verify: the check can fail.
  EXPECT_FALSE(rfc9162_inclusion(proof.at("leaf_index").to_number<std::uint64_t>(), size,
                                 sha256(Bytes(1, '\x00') + entry + " "), path, root));
  const std::string message = "araldo-audit-head-v1\n" + std::to_string(size) + "\n" +
                              std::string(head.at("root").as_string()) + "\n" +
                              std::string(head.at("signed_at").as_string());
  EXPECT_EQ(head.at("signed_message").as_string(), message);
  EXPECT_EQ(head.at("public_key").as_string(), kAuditPublicKey);
  EXPECT_TRUE(
      ed25519_valid(kAuditPublicKey, message, std::string(head.at("signature").as_string())));
  // Not a public alert, no proof.
  EXPECT_EQ(
      http_request("GET", daemon_url_ + "/public/alerts/00000000-0000-4000-8000-000000000000/proof")
          .status,
      404);

  // A superuser rewrites history (the first alert's acceptance), then re-seals the whole
  // log consistently, signed with a key of their own.
  ASSERT_EQ(stop_daemon(SIGTERM), 0);
  {
    pqxx::connection c(db_->dsn());
    pqxx::work tx(c);
    tx.exec0("SET LOCAL session_replication_role = replica");
    tx.exec0("DELETE FROM audit_heads");
    tx.exec0("DELETE FROM audit_leaves");
    tx.exec0("UPDATE audit_events SET actor = 'mallory' WHERE kind = 'alert.accepted'");
    tx.commit();
  }
  {
    araldo::store::Connection conn{araldo::config::Secret(db_->dsn())};
    araldo::audit::Sequencer other(araldo::config::Secret(std::string(64, '7')));
    for (int i = 0; i < 100 && !sealed(); ++i) other.seal_once(conn);
    ASSERT_TRUE(sealed());
  }
  start_daemon();
  std::tie(status, out) = audit_watch(keep);
  EXPECT_EQ(status, 1) << out;
  EXPECT_TRUE(out.find("FORK") != std::string::npos ||
              out.find("not signed by the pinned key") != std::string::npos)
      << out;
  EXPECT_EQ(lines(keep), 2);  // nothing kept from the rewritten log
  ChildProcess verify(
      ARALDOCTL_PATH,
      {"--database-url", db_->dsn(), "audit", "verify", "--public-key", kAuditPublicKey},
      {{"HOME", dir_.string()}});
  EXPECT_EQ(verify.wait(seconds(60)).value_or(-1), 1) << verify.output();
}
