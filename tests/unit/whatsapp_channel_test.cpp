// The WhatsApp Cloud plugin: template messages shaped from rendered lines, the strict
// emulator's refusals, and every error code of shared/platforms.md classified.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/registry.hpp"
#include "channels/whatsapp/whatsapp_classify.hpp"
#include "tests/emulator/whatsapp/whatsapp_api.hpp"
#include "tests/support/channel_support.hpp"

using namespace araldo;
using namespace araldo::channels;
using Kind = Outcome::Kind;
using namespace std::chrono;

namespace {

const char* kYaml =
    "{type: whatsapp, base_url: 'http://127.0.0.1:9', phone_number_id: '1055555', "
    "access_token: EAAWaToken, app_secret: wa-app-s3cret-0123, language: it, "
    "template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}}";

std::unique_ptr<Channel> make(const std::string& yaml = kYaml) {
  return test_support::make_channel("wa", yaml);
}

emulator::whatsapp::Options number() {
  emulator::whatsapp::Options o;
  o.phone_number_id = "1055555";
  o.token = "EAAWaToken";
  o.app_secret = "wa-app-s3cret-0123";
  o.templates["allerta_comune"] = {{"it", "en_US"}, 4};
  o.undeliverable = {"393330009999"};
  return o;
}

using test_support::as_received;

std::string shaped(const Channel& ch, const std::string& rendered, const std::string& lang) {
  auto split = ch.split(rendered, lang);
  if (auto* why = std::get_if<std::string>(&split)) {
    ADD_FAILURE() << *why;
    return "";
  }
  EXPECT_EQ(std::get<std::vector<std::string>>(split).size(), 1u);
  return std::get<std::vector<std::string>>(split).front();
}

Outcome answer(long status, long long code) {
  HttpReply r;
  r.status = status;
  r.body = R"({"error":{"message":"m","type":"OAuthException","code":)" + std::to_string(code) +
           R"(,"fbtrace_id":"B2"}})";
  return whatsapp::classify_answer(r);
}

}  // namespace

TEST(WhatsAppChannel, RenderedLinesBecomeTheTemplatesBodyParameters) {
  auto ch = make();
  EXPECT_TRUE(ch->subscribers());
  EXPECT_TRUE(ch->targets().empty());
  // A field's own line breaks and runs of spaces cannot break the line structure.
  EXPECT_EQ(ch->escape("Salire\n\nai   piani\talti "), "Salire ai piani alti");
  const auto message =
      shaped(*ch, "Allerta rossa\nNiguarda\nIl Seveso esonda\nSalire ai piani alti", "en");
  const auto doc = boost::json::parse(message).as_object();
  EXPECT_EQ(doc.at("name").as_string(), "allerta_comune");
  EXPECT_EQ(doc.at("language").as_string(), "en_US");
  EXPECT_EQ(doc.at("parameters").as_array().size(), 4u);
  // A language with no approved template: the channel's own.
  EXPECT_EQ(boost::json::parse(shaped(*ch, "a\nb\nc\nd", "de")).at("language").as_string(), "it");

  auto wrong_count = ch->split("a\nb", "it");
  ASSERT_TRUE(std::holds_alternative<std::string>(wrong_count));
  EXPECT_NE(std::get<std::string>(wrong_count).find("takes 4"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<std::string>(ch->split("a\n \nc\nd", "it")));
  // Each parameter takes 1,024 characters, and so do all of them together.
  const std::string long_line(1000, 'x');
  auto too_long = ch->split("a\nb\n" + long_line + "\n" + long_line, "it");
  ASSERT_TRUE(std::holds_alternative<std::string>(too_long));
  EXPECT_NE(std::get<std::string>(too_long).find("once filled"), std::string::npos);
}

TEST(WhatsAppChannel, RequestIsAcceptedByTheStrictEmulator) {
  auto ch = make();
  const auto req =
      ch->build_request({"393331234567", shaped(*ch, "Allerta\nNiguarda\nEsonda\nSalire", "it")});
  EXPECT_EQ(req.url.find("http://127.0.0.1:9/v21.0/1055555/messages?appsecret_proof="), 0u);
  EXPECT_EQ(req.headers.find("Authorization").value_or(""), "Bearer EAAWaToken");
  const auto body = boost::json::parse(req.body);
  EXPECT_EQ(body.at("to").as_string(), "393331234567");
  EXPECT_EQ(
      body.at("template").at("components").at(0).at("parameters").at(3).at("text").as_string(),
      "Salire");
  EXPECT_FALSE(body.as_object().contains("biz_opaque_callback_data"));
  // A delivery's message carries its id, for the receipts to find it by.
  channels::Message tagged{"393331234567", shaped(*ch, "Allerta\nNiguarda\nEsonda\nSalire", "it")};
  tagged.delivery_id = 1234;
  EXPECT_EQ(boost::json::parse(ch->build_request(tagged).body).at("biz_opaque_callback_data"),
            "1234");

  emulator::EmulatorState state;
  emulator::whatsapp::WhatsAppApi api(number(), state);
  auto r = api.handle(as_received(req));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto outcome = ch->classify(HttpReply{r->status, r->headers, r->body});
  EXPECT_EQ(outcome.kind, Kind::delivered);
  EXPECT_TRUE(outcome.platform_id.starts_with("wamid."));
  EXPECT_EQ(state.messages("whatsapp").at(0).at("to").as_string(), "393331234567");
}

TEST(WhatsAppEmulator, RefusesWhatTheCloudApiRefuses) {
  emulator::EmulatorState state;
  auto options = number();
  options.messages_per_second = 0.001;
  options.burst = 3;
  emulator::whatsapp::WhatsAppApi api(options, state);
  auto ch = make();
  auto send = [&](const Channel& c, const std::string& to, const std::string& text) {
    auto r = api.handle(as_received(c.build_request({to, text})));
    return c.classify(HttpReply{r->status, r->headers, r->body});
  };
  const auto ok = shaped(*ch, "a\nb\nc\nd", "it");

  auto undeliverable = send(*ch, "393330009999", ok);
  EXPECT_EQ(undeliverable.kind, Kind::permanent);
  EXPECT_EQ(undeliverable.scope, Scope::target);
  EXPECT_NE(undeliverable.reason.find("131026"), std::string::npos);

  auto two_params = boost::json::parse(ok).as_object();
  two_params["parameters"].as_array().pop_back();
  auto mismatch = send(*ch, "393331111111", boost::json::serialize(two_params));
  EXPECT_NE(mismatch.reason.find("132000"), std::string::npos);
  EXPECT_EQ(mismatch.scope, Scope::channel);  // a config bug: every message would fail

  auto unknown = boost::json::parse(ok).as_object();
  unknown["name"] = "nope";
  EXPECT_NE(send(*ch, "393331111111", boost::json::serialize(unknown)).reason.find("132001"),
            std::string::npos);

  auto bad_proof = make(std::string(kYaml).replace(std::string(kYaml).find("wa-app-s3cret-0123"),
                                                   18, "other-app-secret-1"));
  EXPECT_NE(send(*bad_proof, "393331111111", ok).reason.find("appsecret_proof"), std::string::npos);

  EXPECT_EQ(send(*ch, "393331111111", ok).kind, Kind::delivered);
  // The same recipient again at once: the pair rate.
  auto pair = send(*ch, "393331111111", ok);
  EXPECT_EQ(pair.kind, Kind::retry_after);
  EXPECT_EQ(pair.scope, Scope::target);
  EXPECT_EQ(send(*ch, "393332222222", ok).kind, Kind::delivered);
  // Throughput for the number is spent.
  auto busy = send(*ch, "393333333333", ok);
  EXPECT_EQ(busy.kind, Kind::retry_after);
  EXPECT_EQ(busy.scope, Scope::channel);

  state.revoke("whatsapp");
  auto revoked = send(*ch, "393334444444", ok);
  EXPECT_EQ(revoked.kind, Kind::permanent);
  EXPECT_EQ(revoked.scope, Scope::channel);
  EXPECT_EQ(state.messages("whatsapp").size(), 2u);
}

TEST(WhatsAppClassify, EveryCodeOfThePlatformsTable) {
  EXPECT_EQ(answer(400, 130429).scope, Scope::channel);
  EXPECT_EQ(answer(400, 130429).kind, Kind::retry_after);
  EXPECT_EQ(answer(400, 131056).scope, Scope::target);
  EXPECT_EQ(answer(400, 131048).wait, seconds(900));
  for (long long code : {4LL, 80007LL}) EXPECT_EQ(answer(400, code).kind, Kind::retry_after);
  for (long long code : {131000LL, 131016LL, 1LL, 2LL}) {
    EXPECT_EQ(answer(500, code).kind, Kind::transient) << code;
  }
  for (long long code : {131047LL, 131026LL, 131030LL, 131021LL, 131008LL, 131009LL, 100LL,
                         132005LL, 132007LL, 132012LL}) {
    const auto o = answer(400, code);
    EXPECT_EQ(o.kind, Kind::permanent) << code;
    EXPECT_EQ(o.scope, Scope::target) << code;
  }
  for (long long code : {132000LL, 132001LL, 133010LL, 190LL, 368LL, 131031LL}) {
    const auto o = answer(400, code);
    EXPECT_EQ(o.kind, Kind::permanent) << code;
    EXPECT_EQ(o.scope, Scope::channel) << code;
  }
}

TEST(WhatsAppChannel, TheChannelLanguageNeedsAnApprovedTemplate) {
  EXPECT_THROW(make("{type: whatsapp, phone_number_id: '1055555', access_token: t, language: it, "
                    "template: {name: x, parameters: 4, languages: {en: en_US}}}"),
               config::ConfigError);
}

// An alert that asks for answers goes with buttons only through the template's twin; the
// preview warns when there is none.
TEST(WhatsAppChannel, AnswerButtonsNeedTheTemplatesTwin) {
  const auto without = make()->answer_buttons_problem();
  ASSERT_TRUE(without);
  EXPECT_NE(without->find("template.with_answer_buttons"), std::string::npos) << *without;
  const auto with = make(
      "{type: whatsapp, base_url: 'http://127.0.0.1:9', phone_number_id: '1055555', "
      "access_token: EAAWaToken, app_secret: wa-app-s3cret-0123, language: it, "
      "template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}, "
      "with_answer_buttons: allerta_risposta}}");
  EXPECT_FALSE(with->answer_buttons_problem());
}
