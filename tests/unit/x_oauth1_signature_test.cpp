#include <gtest/gtest.h>

#include "channels/x/oauth1_signature.hpp"

using namespace araldo;
using namespace araldo::channels::x;

namespace {
// X's worked example, as copied in shared/platforms.md.
OAuth1Credentials credentials() {
  return {"xvz1evFS4wEEPTGEFPHBog", config::Secret("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"),
          "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
          config::Secret("LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")};
}
OAuth1Request request() {
  return {"post",
          "https://api.twitter.com/1.1/statuses/update.json",
          {{"include_entities", "true"},
           {"status", "Hello Ladies + Gentlemen, a signed OAuth request!"}},
          "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
          "1318622958"};
}
}  // namespace

TEST(XOAuth1, ReproducesTheDocumentedSignature) {
  EXPECT_EQ(oauth1_signature(credentials(), request()), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
}

TEST(XOAuth1, BaseStringFollowsTheDocumentedSteps) {
  const auto base = signature_base_string(credentials(), request());
  EXPECT_EQ(base.rfind("POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&", 0),
            0u);
  // Sorted by key; spaces as %20 (never +), '+' and ',' and '!' encoded, then encoded again.
  EXPECT_NE(base.find("include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog"),
            std::string::npos);
  EXPECT_NE(base.find("status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed"
                      "%2520OAuth%2520request%2521"),
            std::string::npos);
}

TEST(XOAuth1, PercentEncodingIsRfc3986WithUppercaseHex) {
  EXPECT_EQ(percent_encode("Aa0-._~"), "Aa0-._~");
  EXPECT_EQ(percent_encode("a b+c/*"), "a%20b%2Bc%2F%2A");
  EXPECT_EQ(percent_encode("è☃"), "%C3%A8%E2%98%83");
}

TEST(XOAuth1, HeaderCarriesEveryProtocolParameterQuotedAndNoSecret) {
  const auto header = oauth1_authorization_header(credentials(), request());
  EXPECT_EQ(header.rfind("OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", ", 0), 0u);
  EXPECT_NE(header.find("oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\""), std::string::npos);
  EXPECT_NE(header.find("oauth_version=\"1.0\""), std::string::npos);
  EXPECT_EQ(header.find("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"), std::string::npos);
  EXPECT_EQ(header.find("LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"), std::string::npos);
}
