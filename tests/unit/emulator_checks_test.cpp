// The emulator's own checks, pinned to the platforms' published vectors and cases, so
// that they stand on their own rather than on the daemon's code they judge.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/emulator/crypto/emulator_crypto.hpp"
#include "tests/emulator/telegram/bot_html.hpp"
#include "tests/emulator/x/x_weight.hpp"

using namespace araldo::emulator;

TEST(EmulatorChecks, OAuthSignatureReproducesXsWorkedVector) {
  const std::multimap<std::string, std::string> params = {
      {"include_entities", "true"},
      {"status", "Hello Ladies + Gentlemen, a signed OAuth request!"},
      {"oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"},
      {"oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
      {"oauth_signature_method", "HMAC-SHA1"},
      {"oauth_timestamp", "1318622958"},
      {"oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"},
      {"oauth_version", "1.0"}};
  EXPECT_EQ(crypto::oauth1_hmac_sha1("post", "https://api.twitter.com/1.1/statuses/update.json",
                                     params, "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                                     "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"),
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
  EXPECT_EQ(crypto::oauth_encode("a b+c~é"), "a%20b%2Bc~%C3%A9");
}

TEST(EmulatorChecks, AppSecretProofIsHexHmacSha256OfTheToken) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(crypto::graph_appsecret_proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(crypto::same("abc", "abc"));
  EXPECT_FALSE(crypto::same("abc", "abd"));
  EXPECT_FALSE(crypto::same("abc", "abcd"));
}

TEST(EmulatorChecks, WebhookSignatureReproducesTheInboundVector) {
  // shared/inbound.md §1: the emulator signs webhooks as Meta does.
  const std::string body =
      R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Mario Rossi"},"wa_id":"393331234567"}],"messages":[{"from":"393331234567","id":"wamid.TEST0001","timestamp":"1750000000","type":"text","text":{"body":"STOP"}}]},"field":"messages"}]}]})";
  ASSERT_EQ(body.size(), 425u);
  EXPECT_EQ(crypto::hub_signature("6f1c2a9e0b7d4c3f8a5e2d1b0c9f8e7a", body),
            "sha256=96f59157927fe15dfce65fad23305487ed0e7568bb2feba7aee34159a9ad9348");
  EXPECT_EQ(crypto::hub_signature("6f1c2a9e0b7d4c3f8a5e2d1b0c9f8e7a", body + "\n"),
            "sha256=31712aebb7d06fa30beadec669192b0aaad7df16679339b11c91eb96609051a0");
}

TEST(EmulatorChecks, XWeightFollowsTwitterTextConformanceCases) {
  EXPECT_EQ(x::weighted_length("This is a test."), 15u);
  EXPECT_EQ(x::weighted_length("https://test.com"), 23u);
  EXPECT_EQ(x::weighted_length("test.com"), 23u);
  EXPECT_EQ(x::weighted_length("Test https://test.com test https://test.com test.com test"), 86u);
  EXPECT_EQ(x::weighted_length("詳細はhttps://www.bousai.go.jp/で確認してください。"), 49u);
  EXPECT_EQ(x::weighted_length("Vedi https://www.comune.milano.it/allerta."), 29u);
  EXPECT_EQ(x::weighted_length("https://comune.example/a"), 24u);
  EXPECT_EQ(x::weighted_length("comune.it"), 9u);
  EXPECT_EQ(x::weighted_length("comune.it/allerta"), 23u);
  EXPECT_EQ(x::weighted_length("t.co"), 23u);
  EXPECT_EQ(x::weighted_length("user@example.com"), 16u);
  EXPECT_EQ(x::weighted_length("地震"), 4u);
  EXPECT_EQ(x::weighted_length("città"), 5u);
  EXPECT_EQ(x::weighted_length("citta\u0300"), 5u);  // NFC first
  EXPECT_EQ(x::weighted_length("🔴 👍🏽 🇮🇹 1️⃣"), 11u);
  EXPECT_EQ(x::weighted_length("1 © 2"), 5u);
}

TEST(EmulatorChecks, TelegramHtmlIsReadAsTheBotApiReadsIt) {
  auto ok = telegram::read_bot_html(
      "<b>Allerta</b> &lt;rossa&gt; &amp; <a href=\"https://x.it\">link</a> &#127988;");
  ASSERT_TRUE(std::holds_alternative<telegram::VisibleText>(ok)) << std::get<std::string>(ok);
  EXPECT_EQ(std::get<telegram::VisibleText>(ok).text, "Allerta <rossa> & link \U0001F3F4");
  EXPECT_EQ(std::get<telegram::VisibleText>(ok).utf16_length, 25u);  // the flag is 2 units
  for (const char* bad : {"<b>open", "<b><i>x</b></i>", "a < b", "a > b", "AT&T", "&nbsp;",
                          "<div>x</div>", "<a>no href</a>", "<span>x</span>", "</b>"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(telegram::read_bot_html(bad))) << bad;
  }
}
