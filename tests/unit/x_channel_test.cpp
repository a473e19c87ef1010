#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/registry.hpp"
#include "channels/x/x_classify.hpp"
#include "channels/x/x_text_weight.hpp"
#include "tests/emulator/x/x_api.hpp"
#include "tests/support/channel_support.hpp"

using namespace araldo;
using namespace araldo::channels;
using Kind = Outcome::Kind;
using namespace std::chrono;

namespace {
const char* kYaml =
    "{type: x, base_url: 'http://127.0.0.1:9', account: '@ProtCivComune', consumer_key: ck,"
    " consumer_secret: cs, access_token: '1-at', access_token_secret: ats}";

std::unique_ptr<Channel> make(const std::string& yaml = kYaml) {
  return test_support::make_channel("x", yaml);
}

Outcome answer(long status, std::string body, std::string reset = "") {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  if (!reset.empty()) r.headers.add("x-rate-limit-reset", reset);
  return x::classify_answer(r, system_clock::time_point(seconds(1'700'000'000)));
}

using test_support::as_received;

x::OAuth1Credentials account() {
  return {"ck", config::Secret("cs"), "1-at", config::Secret("ats")};
}
}  // namespace

TEST(XClassify, FollowsThePlatformsTable) {
  auto ok = answer(201, R"({"data":{"id":"1445880548472328192","text":"x"}})");
  EXPECT_EQ(ok.kind, Kind::delivered);
  EXPECT_EQ(ok.platform_id, "1445880548472328192");  // exact: never through a double
  EXPECT_EQ(answer(201, "{}").kind, Kind::transient);

  auto limited = answer(429, R"({"title":"Too Many Requests"})", "1700000090");
  EXPECT_EQ(limited.kind, Kind::retry_after);
  EXPECT_EQ(limited.wait, seconds(90));
  EXPECT_EQ(limited.scope, Scope::channel);
  EXPECT_EQ(answer(429, "{}").wait, seconds(60));

  auto duplicate = answer(
      403,
      R"({"detail":"You are not allowed to create a Tweet with duplicate content.","status":403})");
  EXPECT_EQ(duplicate.kind, Kind::permanent);
  EXPECT_EQ(duplicate.scope, Scope::target);
  EXPECT_EQ(answer(403, R"({"title":"client-not-enrolled"})").scope, Scope::channel);
  auto unauthorized = answer(401, R"({"title":"Unauthorized"})");
  EXPECT_EQ(unauthorized.scope, Scope::channel);
  EXPECT_NE(unauthorized.reason.find("clock"), std::string::npos);
  EXPECT_EQ(answer(400, R"({"errors":[{"message":"too long"}]})").kind, Kind::permanent);
  // An over-long post fails that post only, whichever status X uses for it.
  EXPECT_EQ(answer(400, R"({"detail":"Tweet text is too long."})").scope, Scope::target);
  EXPECT_EQ(answer(403, R"({"detail":"Tweet text is too long."})").scope, Scope::target);
  EXPECT_EQ(answer(503, "Service Unavailable").kind, Kind::transient);
  EXPECT_EQ(x::classify_answer(TransportError{TransportError::Kind::reset, "r"}, {}).kind,
            Kind::transient);
}

TEST(XTextWeight, CountsTheWayTwitterTextDoes) {
  EXPECT_EQ(x::weighted_length("abc"), 3u);
  EXPECT_EQ(x::weighted_length("città"), 5u);  // Latin: weight 1
  EXPECT_EQ(x::weighted_length("地震"), 4u);   // CJK: weight 2
  EXPECT_EQ(x::weighted_length("🔴"), 2u);
  EXPECT_EQ(x::weighted_length("see https://www.comune.roma.it/a/very/long/path?x=1"), 4u + 23u);
}

TEST(XTextWeight, NormalisesToNfcAndCountsAnEmojiSequenceAsTwo) {
  // "citta" + combining grave: NFC makes it the same five code points as "città".
  EXPECT_EQ(x::weighted_length("citta\u0300"), 5u);
  EXPECT_EQ(x::weighted_length("👍🏽"), 2u);                   // with a skin tone
  EXPECT_EQ(x::weighted_length("👨‍👩‍👧‍👦"), 2u);  // a family joined by ZWJ
  EXPECT_EQ(x::weighted_length("🇮🇹"), 2u);                   // a flag: two regional indicators
  EXPECT_EQ(x::weighted_length("1️⃣"), 2u);              // a keycap
  EXPECT_EQ(x::weighted_length("⚠️ Allerta"), 2u + 8u);  // a light pictograph dressed as emoji
  EXPECT_EQ(x::weighted_length("1 © 2"), 5u);                // plain digits and © stay light
  EXPECT_EQ(x::weighted_length("\xff"), 2u);                 // invalid UTF-8: never under-counted
}

std::vector<std::string> thread_of(const Channel& ch, const std::string& text) {
  auto split = ch.split(text, "it");
  if (auto* why = std::get_if<std::string>(&split)) {
    ADD_FAILURE() << *why;
    return {};
  }
  return std::get<std::vector<std::string>>(split);
}

TEST(XChannel, AlertThatFitsIsOnePostAndALongOneANumberedThread) {
  auto ch = make();
  EXPECT_EQ(thread_of(*ch, std::string(280, 'a')).size(), 1u);
  std::string cjk;
  for (int i = 0; i < 141; ++i) cjk += "地";  // 141 characters, weight 282
  EXPECT_EQ(thread_of(*ch, cjk).size(), 2u);

  const std::string url = "https://www.comune.milano.it/allerta/" + std::string(200, 'p');
  std::string text = "🔴 Esondazione Seveso – Niguarda\n\n";
  for (int i = 0; i < 40; ++i) text += "frase numero " + std::to_string(i) + " della descrizione. ";
  text += "\n\n" + url;
  const auto parts = thread_of(*ch, text);
  ASSERT_GE(parts.size(), 3u);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    EXPECT_LE(x::weighted_length(parts[k]), 280u) << parts[k];
    EXPECT_TRUE(parts[k].ends_with("\n(" + std::to_string(k + 1) + "/" +
                                   std::to_string(parts.size()) + ")"))
        << parts[k];
  }
  // Parts are filled: the headline does not stand alone, and every part but the last
  // is within one word of the budget (270, numbering aside).
  EXPECT_TRUE(parts.front().starts_with("🔴 Esondazione Seveso – Niguarda\n\nfrase numero 0"));
  for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
    EXPECT_GT(x::weighted_length(parts[k]), 280u - 10u - 14u) << parts[k];
  }
  // The link is never cut: it weighs 23 whole.
  EXPECT_NE(parts.back().find(url), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<std::string>(ch->split(" \n ", "it")));
}

TEST(XChannel, ParagraphsLongerThanAPostDoNotLeaveHalfEmptyPosts) {
  auto ch = make();
  // Eight paragraphs weighing 349: cut paragraph by paragraph they made 16 posts
  // alternating ~270 and ~80; packed between words (at most 10 each), the 2,806 weighted
  // characters need 11 posts of at least 260.
  std::string text;
  for (int p = 0; p < 8; ++p) {
    if (p) text += "\n\n";
    for (int i = 0; i < 36; ++i) text += "parola" + std::to_string(p) + std::to_string(i) + " ";
  }
  const auto parts = thread_of(*ch, text);
  EXPECT_LE(parts.size(), 11u);
  for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
    EXPECT_GE(x::weighted_length(parts[k]), 260u) << parts[k];
  }
}

TEST(XChannel, AWordLongerThanAPostIsCutBetweenGraphemeClusters) {
  auto ch = make();
  std::string word;
  for (int i = 0; i < 200; ++i) word += "\U0001F1EE\U0001F1F9";  // 200 flags, weight 400
  const auto parts = thread_of(*ch, word);
  ASSERT_EQ(parts.size(), 2u);
  std::string joined;
  for (const auto& part : parts) {
    const auto body = part.substr(0, part.rfind('\n'));
    EXPECT_EQ(body.size() % 8, 0u) << "a flag was cut in two";
    joined += body;
  }
  EXPECT_EQ(joined, word);
}

TEST(XChannel, LaterPartsReplyToThePartBeforeThem) {
  auto ch = make();
  channels::Message second{"@ProtCivComune", "seconda parte\n(2/2)", 2, 2, "1445880548472328192"};
  const auto body = boost::json::parse(ch->build_request(second).body).as_object();
  EXPECT_EQ(body.at("reply").at("in_reply_to_tweet_id").as_string(), "1445880548472328192");
  const auto first = boost::json::parse(ch->build_request({"@ProtCivComune", "prima"}).body);
  EXPECT_FALSE(first.as_object().contains("reply"));
}

TEST(XChannel, SignedRequestIsAcceptedByTheStrictEmulator) {
  auto ch = make();
  ASSERT_EQ(ch->targets().size(), 1u);
  EXPECT_EQ(ch->targets()[0].address, "@ProtCivComune");
  EXPECT_EQ(ch->escape("a < b & c"), "a < b & c");  // plain text
  auto req = ch->build_request({"@ProtCivComune", "Allerta meteo"});
  EXPECT_EQ(req.url, "http://127.0.0.1:9/2/tweets");
  EXPECT_EQ(boost::json::parse(req.body).at("text").as_string(), "Allerta meteo");
  const auto auth = std::string(req.headers.find("Authorization").value_or(""));
  EXPECT_EQ(auth.rfind("OAuth oauth_consumer_key=\"ck\", oauth_nonce=\"", 0), 0u);
  EXPECT_EQ(auth.find("ats"), std::string::npos);  // the token secret never travels

  emulator::EmulatorState state;
  emulator::x::XApi api({account()}, state);
  auto created = api.handle(as_received(req));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(ch->classify(HttpReply{created->status, created->headers, created->body}).kind,
            Kind::delivered);
  // A second post has a fresh nonce and is accepted too.
  EXPECT_EQ(api.handle(as_received(ch->build_request({"@ProtCivComune", "Seconda"})))->status, 201);
}

TEST(XEmulator, RefusesForgedReplayedTooLongAndDuplicatePosts) {
  emulator::EmulatorState state;
  emulator::x::XApi api({account()}, state);
  auto ch = make();
  auto req = ch->build_request({"@ProtCivComune", "Primo"});
  ASSERT_EQ(api.handle(as_received(req))->status, 201);
  EXPECT_EQ(api.handle(as_received(req))->status, 401);  // same nonce: replay

  auto forged = make(std::string(kYaml).replace(std::string(kYaml).find("cs,"), 3, "xx,"));
  auto bad = api.handle(as_received(forged->build_request({"@ProtCivComune", "Falso"})));
  EXPECT_EQ(bad->status, 401);
  EXPECT_NE(bad->body.find("signature does not match"), std::string::npos);

  auto dup = api.handle(as_received(ch->build_request({"@ProtCivComune", "Primo"})));
  EXPECT_EQ(dup->status, 403);
  EXPECT_NE(dup->body.find("duplicate content"), std::string::npos);
  EXPECT_EQ(
      api.handle(as_received(ch->build_request({"@ProtCivComune", std::string(281, 'a')})))->status,
      400);
  EXPECT_EQ(state.messages("x").size(), 1u);
}

TEST(XEmulator, RepliesMustNameAnExistingPostAndTheWindowLimitAnswers429WithReset) {
  emulator::EmulatorState state;
  emulator::x::Options options{account()};
  options.posts_per_window = 2;
  emulator::x::XApi api(options, state);
  auto ch = make();
  auto first = api.handle(as_received(ch->build_request({"@ProtCivComune", "uno"})));
  ASSERT_EQ(first->status, 201);
  const std::string id(boost::json::parse(first->body).at("data").at("id").as_string());
  auto orphan = api.handle(
      as_received(ch->build_request({"@ProtCivComune", "orfano", 2, 2, std::string("999")})));
  EXPECT_EQ(orphan->status, 403);
  auto reply = api.handle(as_received(ch->build_request({"@ProtCivComune", "due", 2, 2, id})));
  ASSERT_EQ(reply->status, 201) << reply->body;
  EXPECT_EQ(state.messages("x").back().at("in_reply_to_tweet_id").as_string(), id);

  auto limited = api.handle(as_received(ch->build_request({"@ProtCivComune", "tre"})));
  EXPECT_EQ(limited->status, 429);
  const auto outcome = ch->classify(HttpReply{limited->status, limited->headers, limited->body});
  EXPECT_EQ(outcome.kind, Kind::retry_after);
  EXPECT_EQ(outcome.scope, Scope::channel);
  EXPECT_GE(outcome.wait, seconds(850));  // the rest of the 15-minute window
}
