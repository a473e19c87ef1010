// The Facebook Pages plugin against the strict emulator, and every Graph error of
// shared/platforms.md classified.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/facebook/facebook_classify.hpp"
#include "channels/graph/graph_api.hpp"
#include "channels/registry.hpp"
#include "tests/emulator/facebook/facebook_api.hpp"
#include "tests/support/channel_support.hpp"

using namespace araldo;
using namespace araldo::channels;
using Kind = Outcome::Kind;
using namespace std::chrono;

namespace {

const char* kYaml =
    "{type: facebook, base_url: 'http://127.0.0.1:9', page_id: '104857600', "
    "page_access_token: EAAPageToken, app_secret: fb-app-s3cret-0123}";

std::unique_ptr<Channel> make(const std::string& yaml = kYaml) {
  return test_support::make_channel("fb", yaml);
}

emulator::facebook::Options page() {
  emulator::facebook::Options o;
  o.page_id = "104857600";
  o.page_token = "EAAPageToken";
  o.app_secret = "fb-app-s3cret-0123";
  return o;
}

using test_support::as_received;

Outcome answer(long status, const std::string& body, const std::string& usage = "") {
  HttpReply r;
  r.status = status;
  r.body = body;
  if (!usage.empty()) r.headers.add("X-Business-Use-Case-Usage", usage);
  return facebook::classify_answer(r);
}

std::string graph_error(int code, int subcode = 0, bool transient = false) {
  return R"({"error":{"message":"m","type":"OAuthException","code":)" + std::to_string(code) +
         (subcode ? R"(,"error_subcode":)" + std::to_string(subcode) : "") + R"(,"is_transient":)" +
         (transient ? "true" : "false") + R"(,"fbtrace_id":"A1"}})";
}

}  // namespace

TEST(GraphApi, AppsecretProofIsHexHmacSha256OfTheTokenKeyedWithTheSecret) {
  // echo -n token | openssl dgst -sha256 -hmac secret
  EXPECT_EQ(graph::appsecret_proof("secret", "token"),
            "e941110e3d2bfe82621f0e3e1434730d7305d106c5f68c87165d0b27a4611a4a");
}

TEST(FacebookChannel, PostsToThePageFeedWithTokenAndProofInTheBody) {
  auto ch = make();
  ASSERT_EQ(ch->targets().size(), 1u);
  const auto req = ch->build_request({"104857600", "Allerta: fiume & ponte"});
  EXPECT_EQ(req.url, "http://127.0.0.1:9/v21.0/104857600/feed");
  EXPECT_EQ(req.url.find("EAAPageToken"), std::string::npos);  // never in a loggable URL
  EXPECT_NE(req.body.find("message=Allerta%3A%20fiume%20%26%20ponte"), std::string::npos);
  EXPECT_NE(req.body.find("appsecret_proof=" +
                          graph::appsecret_proof("fb-app-s3cret-0123", "EAAPageToken")),
            std::string::npos);

  emulator::EmulatorState state;
  emulator::facebook::FacebookApi api(page(), state);
  auto created = api.handle(as_received(req));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const auto outcome = ch->classify(HttpReply{created->status, created->headers, created->body});
  EXPECT_EQ(outcome.kind, Kind::delivered);
  EXPECT_TRUE(outcome.platform_id.starts_with("104857600_"));
  EXPECT_EQ(state.messages("facebook").at(0).at("message").as_string(), "Allerta: fiume & ponte");
}

TEST(FacebookEmulator, RefusesBadProofWrongTokenDuplicatesAndThrottles) {
  emulator::EmulatorState state;
  auto options = page();
  options.burst = 3;  // a refused duplicate still counts as a call
  options.posts_per_second = 0.001;
  emulator::facebook::FacebookApi api(options, state);
  auto ch = make();

  auto no_proof = make(
      "{type: facebook, base_url: 'http://127.0.0.1:9', page_id: '104857600', "
      "page_access_token: EAAPageToken}");
  auto r = api.handle(as_received(no_proof->build_request({"104857600", "a"})));
  EXPECT_EQ(ch->classify(HttpReply{r->status, r->headers, r->body}).scope, Scope::channel);
  EXPECT_NE(r->body.find("appsecret_proof"), std::string::npos);

  auto wrong = make(
      "{type: facebook, base_url: 'http://127.0.0.1:9', page_id: '104857600', "
      "page_access_token: Other, app_secret: fb-app-s3cret-0123}");
  r = api.handle(as_received(wrong->build_request({"104857600", "a"})));
  EXPECT_NE(r->body.find("\"code\":190"), std::string::npos);

  ASSERT_EQ(api.handle(as_received(ch->build_request({"104857600", "uno"})))->status, 200);
  r = api.handle(as_received(ch->build_request({"104857600", "uno"})));
  EXPECT_NE(r->body.find("\"code\":506"), std::string::npos);
  ASSERT_EQ(api.handle(as_received(ch->build_request({"104857600", "due"})))->status, 200);
  r = api.handle(as_received(ch->build_request({"104857600", "tre"})));
  const auto throttled = ch->classify(HttpReply{r->status, r->headers, r->body});
  EXPECT_EQ(throttled.kind, Kind::retry_after);
  EXPECT_EQ(throttled.scope, Scope::channel);
  EXPECT_GE(throttled.wait, seconds(60));

  state.revoke("facebook");
  r = api.handle(as_received(ch->build_request({"104857600", "quattro"})));
  const auto revoked = ch->classify(HttpReply{r->status, r->headers, r->body});
  EXPECT_EQ(revoked.kind, Kind::permanent);
  EXPECT_EQ(revoked.scope, Scope::channel);
  EXPECT_NE(revoked.reason.find("(#190/460)"), std::string::npos);
  EXPECT_EQ(state.messages("facebook").size(), 2u);
}

TEST(FacebookClassify, EveryGraphCodeOfThePlatformsTable) {
  EXPECT_EQ(answer(200, R"({"id":"1_2"})").platform_id, "1_2");
  EXPECT_EQ(answer(500, graph_error(1)).kind, Kind::transient);
  EXPECT_EQ(answer(503, graph_error(2)).kind, Kind::transient);
  EXPECT_EQ(answer(400, graph_error(9999, 0, true)).kind, Kind::transient);
  for (int code : {4, 17, 32, 613, 80001}) {
    const auto o = answer(400, graph_error(code));
    EXPECT_EQ(o.kind, Kind::retry_after) << code;
    EXPECT_EQ(o.scope, Scope::channel) << code;
  }
  const auto usage =
      answer(400, graph_error(80001),
             R"({"104857600":[{"type":"pages","estimated_time_to_regain_access":7}]})");
  EXPECT_EQ(usage.wait, seconds(7 * 60));
  for (int subcode : {458, 459, 460, 463, 464, 467}) {
    const auto o = answer(400, graph_error(190, subcode));
    EXPECT_EQ(o.kind, Kind::permanent);
    EXPECT_EQ(o.scope, Scope::channel) << subcode;
  }
  for (int code : {10, 200, 299, 368})
    EXPECT_EQ(answer(403, graph_error(code)).scope, Scope::channel);
  for (int code : {100, 506}) {
    const auto o = answer(400, graph_error(code));
    EXPECT_EQ(o.kind, Kind::permanent);
    EXPECT_EQ(o.scope, Scope::target) << code;
  }
  EXPECT_EQ(answer(502, "Bad Gateway").kind, Kind::transient);
  EXPECT_EQ(facebook::classify_answer(TransportError{TransportError::Kind::reset, "x"}).kind,
            Kind::transient);
}

TEST(FacebookChannel, ConfigIsChecked) {
  EXPECT_THROW(make("{type: facebook, page_id: 'my-page', page_access_token: t}"),
               config::ConfigError);
  EXPECT_THROW(make("{type: facebook, page_id: '104857600', page_access_token: t, "
                    "graph_version: '21'}"),
               config::ConfigError);
}
