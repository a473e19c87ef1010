// The inbound side of the WhatsApp and Telegram plugins: webhook authentication against
// shared/inbound.md's vectors, the items a body is cut into, and what each item means;
// the opt-in/opt-out word matching; and the Prometheus exposition.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/channel.hpp"
#include "daemon/inbound/replay_window.hpp"
#include "daemon/metrics/registry.hpp"
#include "tests/emulator/crypto/emulator_crypto.hpp"
#include "tests/support/channel_support.hpp"

using namespace araldo;
using namespace araldo::channels;

namespace {

// shared/inbound.md §1's test vector.
const std::string kSecret = "6f1c2a9e0b7d4c3f8a5e2d1b0c9f8e7a";
const std::string kBody =
    R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Mario Rossi"},"wa_id":"393331234567"}],"messages":[{"from":"393331234567","id":"wamid.TEST0001","timestamp":"1750000000","type":"text","text":{"body":"STOP"}}]},"field":"messages"}]}]})";
const std::string kSignature =
    "sha256=96f59157927fe15dfce65fad23305487ed0e7568bb2feba7aee34159a9ad9348";

std::unique_ptr<Channel> whatsapp(
    const std::string& inbound = "{verify_token: vt-verify-token-16}") {
  return test_support::make_channel(
      "wa",
      "{type: whatsapp, base_url: 'http://127.0.0.1:9', phone_number_id: '106540352242922', "
      "access_token: EAAWaToken, app_secret: " +
          kSecret +
          ", language: it, template: {name: allerta_comune, parameters: 4, languages: {it: it, "
          "en: en_US}}, inbound: " +
          inbound + "}");
}

std::unique_ptr<Channel> telegram(const std::string& inbound) {
  return test_support::make_channel(
      "tg",
      "{type: telegram, base_url: 'http://127.0.0.1:9', bot_token: "
      "'7000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX', subscribers: true, language: it, "
      "inbound: " +
          inbound + "}");
}

http::Headers signed_with(const std::string& signature) {
  http::Headers h;
  h.set("Content-Type", "application/json");
  h.set("X-Hub-Signature-256", signature);
  return h;
}

std::string verdict(const Received& r) {
  const auto* refusal = std::get_if<Refusal>(&r);
  return refusal ? refusal->verdict : "accepted";
}

}  // namespace

TEST(WhatsAppInbound, TheDocumentedSignatureIsAcceptedOverTheRawBodyOnly) {
  const auto ch = whatsapp();
  const auto* in = ch->inbound();
  ASSERT_NE(in, nullptr);
  const auto ok = in->receive(signed_with(kSignature), kBody);
  ASSERT_EQ(verdict(ok), "accepted");
  const auto& items = std::get<std::vector<InboundItem>>(ok);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, "message");
  EXPECT_EQ(items[0].key, "wamid.TEST0001");
  EXPECT_EQ(items[0].at, 1750000000);  // the message's own timestamp, for the replay window

  // The same bytes with a trailing newline, and the signature of the re-serialised JSON.
  EXPECT_EQ(verdict(in->receive(signed_with(kSignature), kBody + "\n")), "bad_signature");
  EXPECT_EQ(
      verdict(in->receive(
          signed_with("sha256=b662f9a2f6de03ea265d7e1df2ece863d2f3687ee5980750fca064e1d39f1fa8"),
          kBody)),
      "bad_signature");
  EXPECT_EQ(verdict(in->receive(signed_with("sha256=96F59157927FE15DFCE65FAD23305487ED0E7568BB2F"
                                            "EBA7AEE34159A9AD9348"),
                                kBody)),
            "bad_signature");  // the header is lowercase hex
  EXPECT_EQ(verdict(in->receive(http::Headers{}, kBody)), "unsigned");
  // Signed, but not JSON.
  const std::string junk = "{\"object\":";
  EXPECT_EQ(verdict(in->receive(signed_with(emulator::crypto::hub_signature(kSecret, junk)), junk)),
            "malformed");
}

TEST(WhatsAppInbound, EveryStatusAndMessageOfABatchIsAnItemAndMeansWhatItSays) {
  const auto ch = whatsapp();
  boost::json::object value{{"messaging_product", "whatsapp"},
                            {"metadata", {{"phone_number_id", "106540352242922"}}},
                            {"statuses",
                             {{{"id", "wamid.A"},
                               {"status", "delivered"},
                               {"timestamp", "1750000100"},
                               {"biz_opaque_callback_data", "4242"}},
                              {{"id", "wamid.B"},
                               {"status", "failed"},
                               {"timestamp", "1750000200"},
                               {"errors", {{{"code", 131049}, {"title", "not delivered"}}}}},
                              {{"id", "wamid.C"}, {"status", "played"}, {"timestamp", "1"}}}},
                            {"messages",
                             {{{"from", "393331234567"},
                               {"id", "wamid.M1"},
                               {"timestamp", "1750000300"},
                               {"type", "text"},
                               {"text", {{"body", " iscrivimi "}}}},
                              {{"from", "393331234568"},
                               {"id", "wamid.M2"},
                               {"timestamp", "1750000300"},
                               {"type", "button"},
                               {"button", {{"text", "Stop"}, {"payload", "x"}}}}}}};
  const boost::json::object other{{"metadata", {{"phone_number_id", "999"}}},
                                  {"statuses", {{{"id", "wamid.Z"}, {"status", "read"}}}}};
  const boost::json::object doc{
      {"object", "whatsapp_business_account"},
      {"entry",
       {{{"id", "1"}, {"changes", {{{"field", "messages"}, {"value", value}}}}},
        {{"id", "2"}, {"changes", {{{"field", "messages"}, {"value", other}}}}}}}};
  const auto body = boost::json::serialize(doc);
  const auto got =
      ch->inbound()->receive(signed_with(emulator::crypto::hub_signature(kSecret, body)), body);
  ASSERT_EQ(verdict(got), "accepted");
  const auto& items = std::get<std::vector<InboundItem>>(got);
  std::vector<std::string> keys;
  for (const auto& i : items) keys.push_back(i.kind + " " + i.key);
  // Another business number's status is not ours.
  EXPECT_EQ(keys, (std::vector<std::string>{"status wamid.A:delivered", "status wamid.B:failed",
                                            "status wamid.C:played", "message wamid.M1",
                                            "message wamid.M2"}));

  const auto a = std::get<Receipt>(ch->inbound()->interpret(items[0]));
  EXPECT_EQ(a.platform_id, "wamid.A");
  EXPECT_EQ(a.state, "delivered");
  EXPECT_EQ(a.at, 1750000100);
  EXPECT_EQ(a.delivery_id, 4242);  // Araldo's tag, echoed
  EXPECT_FALSE(std::get<Receipt>(ch->inbound()->interpret(items[1])).delivery_id);
  const auto b = std::get<Receipt>(ch->inbound()->interpret(items[1]));
  EXPECT_EQ(b.error, "(#131049) not delivered");
  EXPECT_TRUE(std::holds_alternative<Ignored>(ch->inbound()->interpret(items[2])));
  const auto in = std::get<SubscriptionChange>(ch->inbound()->interpret(items[3]));
  EXPECT_TRUE(in.subscribe);
  EXPECT_EQ(in.language, "it");
  EXPECT_EQ(in.at, 1750000300);
  EXPECT_EQ(in.answer_by, 1750000300 + 24 * 3600);
  ASSERT_TRUE(in.confirmation);
  EXPECT_NE(in.confirmation->find("STOP"), std::string::npos);
  const auto out = std::get<SubscriptionChange>(ch->inbound()->interpret(items[4]));
  EXPECT_FALSE(out.subscribe);
  EXPECT_EQ(out.address, "393331234568");
}

TEST(WhatsAppInbound, HandshakeAndConfiguredWords) {
  const auto ch = whatsapp(
      "{verify_token: vt-verify-token-16, opt_out: {it: [PROTEZIONE CIVILE OFF]}, opt_in: {it: "
      "[PROTEZIONE "
      "CIVILE ON]}, confirmations: {opted_in: {it: Benvenuto}}}");
  const auto* in = ch->inbound();
  EXPECT_EQ(in->handshake({{"hub.mode", "subscribe"},
                           {"hub.verify_token", "vt-verify-token-16"},
                           {"hub.challenge", "42"}})
                .body,
            "42");
  EXPECT_EQ(
      in->handshake({{"hub.mode", "subscribe"}, {"hub.verify_token", "v"}, {"hub.challenge", "42"}})
          .status,
      403);
  EXPECT_EQ(
      in->handshake({{"hub.verify_token", "vt-verify-token-16"}, {"hub.challenge", "42"}}).status,
      400);
  const auto message = [&](const std::string& text) {
    boost::json::object m{{"from", "393331234567"},
                          {"id", "w"},
                          {"timestamp", "1"},
                          {"type", "text"},
                          {"text", {{"body", text}}}};
    return in->interpret({"message", "w", boost::json::serialize(m), {}});
  };
  const auto on = std::get<SubscriptionChange>(message("protezione civile on"));
  EXPECT_TRUE(on.subscribe);
  EXPECT_EQ(on.confirmation.value_or(""), "Benvenuto");
  EXPECT_FALSE(std::get<SubscriptionChange>(message("Protezione Civile OFF")).subscribe);
  // Configured words replace the defaults: anything else is for the citizens' inbox.
  const auto other = std::get<CitizenMessage>(message("STOP"));
  EXPECT_EQ(other.address, "393331234567");
  EXPECT_EQ(other.text, "STOP");
  EXPECT_EQ(other.message_id, "w");
  EXPECT_EQ(other.at, 1);
  EXPECT_TRUE(std::holds_alternative<Ignored>(message(" \n ")));
  EXPECT_THROW(whatsapp("{verify_token: vt-verify-token-16, opt_out: {it: ['  ']}}"),
               config::ConfigError);
  EXPECT_THROW(whatsapp("{opt_out: {it: [STOP]}}"), config::ConfigError);  // no verify_token
}

TEST(TelegramInbound, TheSecretTokenIsCheckedAndCommandsMeanWhatTheySay) {
  const auto ch = telegram("{secret_token: abc_DEF-1-secret-token, languages: [en]}");
  ASSERT_TRUE(ch->subscribers());
  const auto* in = ch->inbound();
  const auto update = [](const std::string& text, long long chat = 5550001,
                         const std::string& type = "private") {
    boost::json::object u{{"update_id", 10},
                          {"message",
                           {{"message_id", 1},
                            {"date", 1750000000},
                            {"from", {{"id", chat}, {"is_bot", false}, {"language_code", "en-GB"}}},
                            {"chat", {{"id", chat}, {"type", type}}},
                            {"text", text}}}};
    return boost::json::serialize(u);
  };
  http::Headers none, wrong, right;
  wrong.set("X-Telegram-Bot-Api-Secret-Token", "abc_DEF-2");
  right.set("X-Telegram-Bot-Api-Secret-Token", "abc_DEF-1-secret-token");
  EXPECT_EQ(verdict(in->receive(none, update("/start"))), "unsigned");
  EXPECT_EQ(verdict(in->receive(wrong, update("/start"))), "bad_signature");
  EXPECT_EQ(verdict(in->receive(right, "[1]")), "malformed");
  EXPECT_EQ(verdict(in->receive(right, R"({"update_id":"10"})")), "malformed");
  const auto meaning = [&](const std::string& body) {
    const auto items = std::get<std::vector<InboundItem>>(in->receive(right, body));
    EXPECT_EQ(items.at(0).key, "10");
    EXPECT_EQ(items.at(0).sequence, 10);
    // The message's or the membership change's date, for the replay window.
    EXPECT_GE(items.at(0).at.value_or(0), 1750000000);
    return in->interpret(items.at(0));
  };
  const auto start = std::get<SubscriptionChange>(meaning(update("/start it")));
  EXPECT_TRUE(start.subscribe);
  EXPECT_EQ(start.language, "it");  // the deep-link payload wins over the app's language
  EXPECT_EQ(start.address, "5550001");
  EXPECT_EQ(std::get<SubscriptionChange>(meaning(update("/start"))).language, "en");
  EXPECT_EQ(std::get<SubscriptionChange>(meaning(update("/start@AllertaBot zona_nord"))).language,
            "en");
  EXPECT_FALSE(std::get<SubscriptionChange>(meaning(update("/stop"))).subscribe);
  EXPECT_TRUE(std::holds_alternative<Ignored>(meaning(update("/help"))));
  const auto written = std::get<CitizenMessage>(meaning(update("ciao")));
  EXPECT_EQ(written.address, "5550001");
  EXPECT_EQ(written.text, "ciao");
  EXPECT_EQ(written.message_id, "1");
  EXPECT_EQ(written.at, 1750000000);
  EXPECT_TRUE(std::holds_alternative<Ignored>(meaning(update("/start", -100123, "supergroup"))));

  boost::json::object blocked{{"update_id", 10},
                              {"my_chat_member",
                               {{"chat", {{"id", 5550001}, {"type", "private"}}},
                                {"date", 1750000001},
                                {"new_chat_member", {{"status", "kicked"}, {"until_date", 0}}}}}};
  const auto left = std::get<SubscriptionChange>(meaning(boost::json::serialize(blocked)));
  EXPECT_FALSE(left.subscribe);
  EXPECT_FALSE(left.confirmation);  // a blocked bot cannot write
}

TEST(WhatsAppInbound, AQuickReplyNamesItsDeliveryAndRepliesQuoteOrGoAsTheTemplate) {
  const auto ch = whatsapp(
      "{verify_token: vt-verify-token-16, reply_template: {name: risposta_urp, language: it}}");
  const auto* in = ch->inbound();
  const auto pressed = [&](const std::string& payload) {
    boost::json::object m{{"from", "393331234567"},
                          {"id", "wamid.IN1"},
                          {"timestamp", "1750000000"},
                          {"type", "button"},
                          {"context", {{"from", "15550783881"}, {"id", "wamid.EMU1"}}},
                          {"button", {{"payload", payload}, {"text", "Ho bisogno di aiuto"}}}};
    return in->interpret({"message", "wamid.IN1", boost::json::serialize(m), {}});
  };
  const auto help = std::get<Acknowledgement>(pressed("ack:42:help"));
  EXPECT_EQ(help.delivery_id, 42);
  EXPECT_EQ(help.answer, "need_help");
  EXPECT_EQ(help.address, "393331234567");
  EXPECT_EQ(help.at, 1750000000);
  // No spinner to stop, and no thank-you message spending the number's throughput.
  EXPECT_TRUE(help.press_id.empty());
  EXPECT_TRUE(help.thanks.empty());
  EXPECT_EQ(std::get<Acknowledgement>(pressed("ack:7:safe")).answer, "safe");
  // Another button's payload is what it says, for the inbox.
  EXPECT_EQ(std::get<CitizenMessage>(pressed("ack:7:maybe")).text, "Ho bisogno di aiuto");

  EXPECT_EQ(in->reply_window_seconds(), 24 * 3600);
  const auto quoted = boost::json::parse(in->reply("393331234567", "Arriviamo", "wamid.IN1").body);
  EXPECT_EQ(quoted.at("type"), "text");
  EXPECT_EQ(quoted.at("context").at("message_id"), "wamid.IN1");
  EXPECT_EQ(quoted.at("text").at("body"), "Arriviamo");
  const auto late = in->reply_by_template("393331234567", "Arriviamo\nalle 8");
  ASSERT_TRUE(late);
  const auto t = boost::json::parse(late->body);
  EXPECT_EQ(t.at("template").at("name"), "risposta_urp");
  EXPECT_EQ(t.at("template").at("components").at(0).at("parameters").at(0).at("text"),
            "Arriviamo alle 8");
  EXPECT_FALSE(whatsapp()->inbound()->reply_by_template("393331234567", "x"));
}

TEST(TelegramInbound, AReplyQuotesTheCitizensMessage) {
  const auto ch = telegram("{secret_token: abc_DEF-1-secret-token}");
  const auto* in = ch->inbound();
  EXPECT_FALSE(in->reply_window_seconds());
  const auto r = in->reply("5550001", "Arriviamo", "17");
  EXPECT_TRUE(r.url.ends_with("/sendMessage"));
  const auto body = boost::json::parse(r.body);
  EXPECT_EQ(body.at("chat_id"), 5550001);
  EXPECT_EQ(body.at("reply_parameters").at("message_id"), 17);
  EXPECT_EQ(body.at("reply_parameters").at("allow_sending_without_reply"), true);
  EXPECT_FALSE(boost::json::parse(in->reply("5550001", "x", "").body)
                   .as_object()
                   .contains("reply_parameters"));
}

TEST(TelegramInbound, PollingConfigurationAndRefusedSecrets) {
  const auto polling = telegram("{mode: polling}");
  const auto* in = polling->inbound();
  EXPECT_TRUE(in->polls());
  EXPECT_EQ(verdict(in->receive({}, "{}")), "not_configured");
  const auto reg = in->registration();
  ASSERT_TRUE(reg);
  EXPECT_NE(reg->url.find("/deleteWebhook"), std::string::npos);
  const auto poll = in->poll(42, 25);
  EXPECT_NE(poll.url.find("/getUpdates"), std::string::npos);
  EXPECT_EQ(boost::json::parse(poll.body).at("offset").as_int64(), 42);
  HttpReply reply{
      200, {}, R"({"ok":true,"result":[{"update_id":7,"message":{}},{"update_id":8}]})"};
  const auto items = std::get<std::vector<InboundItem>>(in->polled(reply));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].sequence, 8);
  HttpReply conflict{409, {}, R"({"ok":false,"error_code":409,"description":"Conflict: x"})"};
  EXPECT_EQ(verdict(in->polled(conflict)), "refused");
  // A bot token (with ':') is not a secret token Telegram accepts.
  EXPECT_THROW(telegram("{secret_token: '7000001:AAHxxxxxxxxxxxxxxxxxxxx'}"), config::ConfigError);
  EXPECT_THROW(telegram("{mode: push}"), config::ConfigError);
  EXPECT_THROW(test_support::make_channel(
                   "tg",
                   "{type: telegram, base_url: 'http://127.0.0.1:9', bot_token: "
                   "'7000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX', subscribers: true}"),
               config::ConfigError);  // a subscription channel must hear /start
}

TEST(KeywordSet, MatchesAfterTrimmingAndCaseFolding) {
  KeywordSet words;
  words.add("it", "Stop");
  words.add("de", "STRASSE");
  EXPECT_EQ(words.match(" stop\n").value_or(""), "it");
  EXPECT_EQ(words.match("STOP").value_or(""), "it");
  EXPECT_EQ(words.match("straße").value_or(""), "de");  // full case folding: ß is ss
  EXPECT_FALSE(words.match("stop please"));
  EXPECT_FALSE(words.match(""));
}

TEST(MetricsRegistry, WritesTheTextExpositionFormat) {
  metrics::Registry r;
  r.describe("x_requests_total", metrics::Type::counter, "Requests.\nAll of them.");
  r.describe("x_latency_seconds", metrics::Type::histogram, "Latency.", {0.1, 1});
  r.describe("x_depth", metrics::Type::gauge, "Depth.");
  r.inc("x_requests_total", {{"path", "a\"b\\c\nd"}});
  r.inc("x_requests_total", {{"path", "a\"b\\c\nd"}}, 2);
  r.observe("x_latency_seconds", {{"ch", "t"}}, 0.05);
  r.observe("x_latency_seconds", {{"ch", "t"}}, 0.5);
  r.observe("x_latency_seconds", {{"ch", "t"}}, 3);
  r.set("x_depth", {}, 7);
  EXPECT_EQ(r.render(),
            "# HELP x_depth Depth.\n"
            "# TYPE x_depth gauge\n"
            "x_depth 7\n"
            "# HELP x_latency_seconds Latency.\n"
            "# TYPE x_latency_seconds histogram\n"
            "x_latency_seconds_bucket{ch=\"t\",le=\"0.1\"} 1\n"
            "x_latency_seconds_bucket{ch=\"t\",le=\"1\"} 2\n"
            "x_latency_seconds_bucket{ch=\"t\",le=\"+Inf\"} 3\n"
            "x_latency_seconds_sum{ch=\"t\"} 3.55\n"
            "x_latency_seconds_count{ch=\"t\"} 3\n"
            "# HELP x_requests_total Requests.\\nAll of them.\n"
            "# TYPE x_requests_total counter\n"
            "x_requests_total{path=\"a\\\"b\\\\c\\nd\"} 3\n");
  EXPECT_THROW(r.inc("x_depth"), std::logic_error);  // a gauge is not a counter
  EXPECT_THROW(r.inc("undescribed_total"), std::logic_error);
}

TEST(ReplayWindow, ItemsStampedBeforeTheWindowAreSetApartAndUnstampedOnesPass) {
  const long long now = 1'750'000'000;
  const long long week = 7 * 86400;
  std::vector<InboundItem> items{{"message", "new", "{}", {}, now - 60},
                                 {"message", "old", "{}", {}, now - week - 1},
                                 {"status", "unstamped", "{}", {}, std::nullopt},
                                 {"message", "edge", "{}", {}, now - week}};
  const auto screened = araldo::inbound::screen_replays(items, now, {});
  std::vector<std::string> fresh, too_old;
  for (const auto& i : screened.fresh) fresh.push_back(i.key);
  for (const auto& i : screened.too_old) too_old.push_back(i.key);
  EXPECT_EQ(fresh, (std::vector<std::string>{"new", "unstamped", "edge"}));  // in their order
  EXPECT_EQ(too_old, (std::vector<std::string>{"old"}));
  const auto day = araldo::inbound::screen_replays(items, now, {std::chrono::hours(24)});
  EXPECT_EQ(day.too_old.size(), 2u);  // a one-day window also refuses the week-old edge
}
