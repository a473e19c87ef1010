// The emulator must refuse what Telegram refuses, or the tests that rely on it prove
// nothing. These drive its Bot API handler directly, and over HTTP for timing faults.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/http/http_server.hpp"
#include "tests/emulator/control_api.hpp"
#include "tests/emulator/telegram/telegram_api.hpp"
#include "tests/support/http_client.hpp"

using namespace araldo;

namespace {
const std::string token = "555:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

class TelegramEmulator : public ::testing::Test {
 protected:
  http::Response send(const std::string& body, const std::string& path = "",
                      const std::string& type = "application/json") {
    http::Request r;
    r.method = "POST";
    r.target = path.empty() ? "/bot" + token + "/sendMessage" : path;
    r.headers.add("Content-Type", type);
    r.body = body;
    return *api_.handle(r);
  }
  static std::string description(const http::Response& r) {
    return std::string(boost::json::parse(r.body).at("description").as_string());
  }

  emulator::EmulatorState state_;
  emulator::telegram::Options options_ = [] {
    emulator::telegram::Options o;
    o.tokens = {token};
    o.chats = {"@allerta_comune", "-100123", "42"};
    o.blocked_chats = {"42"};
    o.global_per_second = 1000;
    o.group_per_minute = 3;
    return o;
  }();
  emulator::telegram::TelegramApi api_{options_, state_};
};
}  // namespace

TEST_F(TelegramEmulator, AcceptsJsonAndFormBodiesAndRecordsThem) {
  auto json =
      send(R"({"chat_id":"@allerta_comune","text":"<b>Ciao</b> &amp; addio","parse_mode":"HTML"})");
  ASSERT_EQ(json.status, 200) << json.body;
  auto doc = boost::json::parse(json.body).as_object();
  EXPECT_TRUE(doc["ok"].as_bool());
  EXPECT_EQ(doc["result"].at("message_id").as_int64(), 1);

  auto form = send("chat_id=-100123&text=uno+%2B+due", "", "application/x-www-form-urlencoded");
  ASSERT_EQ(form.status, 200) << form.body;
  const auto messages = state_.messages("telegram");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("plain_text").as_string(), "Ciao & addio");
  EXPECT_EQ(messages[1].at("plain_text").as_string(), "uno + due");
}

TEST_F(TelegramEmulator, RefusesWhatTheBotApiRefuses) {
  EXPECT_EQ(send(R"({"chat_id":"42","text":"x"})", "/botWRONG/sendMessage").status, 401);
  EXPECT_EQ(send(R"({"chat_id":"42","text":"x"})", "/bot" + token + "/sendPigeon").status, 404);
  EXPECT_EQ(description(send(R"({"chat_id":"@someone_else","text":"x"})")),
            "Bad Request: chat not found");
  EXPECT_EQ(send(R"({"chat_id":"42","text":"x"})").status, 403);
  EXPECT_EQ(description(send(R"({"chat_id":"-100123","text":"a <div>","parse_mode":"HTML"})"))
                .find("Bad Request: can't parse entities"),
            0u);
  EXPECT_EQ(description(send(R"({"chat_id":"-100123","text":"  "})")),
            "Bad Request: message text is empty");
  const std::string long_text(4097, 'x');
  EXPECT_EQ(description(send(R"({"chat_id":"-100123","text":")" + long_text + "\"}")),
            "Bad Request: message is too long");
  EXPECT_TRUE(state_.messages("telegram").empty());
}

TEST_F(TelegramEmulator, FloodLimitAnswers429WithRetryAfter) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(send(R"({"chat_id":"-100123","text":"x"})").status, 200) << i;
  }
  auto flooded = send(R"({"chat_id":"-100123","text":"x"})");
  ASSERT_EQ(flooded.status, 429);
  auto doc = boost::json::parse(flooded.body).as_object();
  const auto wait = doc["parameters"].at("retry_after").as_int64();
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 20);  // 3 a minute: the next token is at most 20 s away
  EXPECT_EQ(description(flooded), "Too Many Requests: retry after " + std::to_string(wait));
  EXPECT_EQ(send(R"({"chat_id":"@allerta_comune","text":"x"})").status, 200);  // other chat
}

TEST_F(TelegramEmulator, ScriptedFaultsOverHttp) {
  http::HttpServer server({}, [&](const http::Request& r) {
    if (auto c = emulator::handle_control(state_, r)) return *c;
    return *api_.handle(r);
  });
  const auto base = "http://127.0.0.1:" + std::to_string(server.start());
  const std::map<std::string, std::string> json{{"Content-Type", "application/json"}};
  const auto url = base + "/bot" + token + "/sendMessage";
  const std::string body = R"({"chat_id":"@allerta_comune","text":"x"})";

  ASSERT_EQ(test_support::http_request("POST", base + "/_emulator/faults", {},
                                       R"({"status":500,"count":1})")
                .status,
            200);
  EXPECT_EQ(test_support::http_request("POST", url, json, body).status, 500);
  EXPECT_EQ(test_support::http_request("POST", url, json, body).status, 200);  // count used up

  test_support::http_request("POST", base + "/_emulator/faults", {}, R"({"latency_ms":400})");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(test_support::http_request("POST", url, json, body).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));

  test_support::http_request("POST", base + "/_emulator/faults", {}, R"({"drop":true})");
  auto dropped = test_support::http_request("POST", url, json, body);
  EXPECT_EQ(dropped.status, 0);
  EXPECT_FALSE(dropped.error.empty());

  auto stats =
      boost::json::parse(test_support::http_request("GET", base + "/_emulator/stats").body);
  EXPECT_EQ(stats.at("telegram").at("500").as_int64(), 1);
  EXPECT_EQ(stats.at("telegram").at("200").as_int64(), 2);
  EXPECT_EQ(
      test_support::http_request("POST", base + "/_emulator/faults", {}, R"({"count":0})").status,
      400);
}

// Paid broadcasts (Bot API 7.11): a message sent with allow_paid_broadcast skips the 30/s a
// bot gets for free and takes from 1,000/s instead; every other limit still holds. All
// requests here arrive at one instant, so the buckets hold exactly their burst.
TEST(TelegramEmulatorPaid, ThirtyASecondFreeAndAThousandPaid) {
  emulator::EmulatorState state;
  emulator::telegram::Options o;
  o.tokens = {token};  // any well-formed chat id exists
  emulator::telegram::TelegramApi api{o, state};
  auto send = [&](int chat, const std::string& paid) {
    http::Request r;
    r.method = "POST";
    r.target = "/bot" + token + "/sendMessage";
    r.headers.add("Content-Type", "application/json");
    r.body = R"({"chat_id":)" + std::to_string(chat) + R"(,"text":"Allerta")" +
             (paid.empty() ? "" : R"(,"allow_paid_broadcast":)" + paid) + "}";
    return api.handle(r)->status;
  };
  for (int i = 0; i < 30; ++i) ASSERT_EQ(send(1000 + i, ""), 200) << i;
  EXPECT_EQ(send(1030, ""), 429);       // the bot's free 30/s are spent
  EXPECT_EQ(send(1031, "false"), 429);  // asking not to pay is the free limit
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(send(2000 + i, "true"), 200) << i;
  EXPECT_EQ(send(3000, "true"), 429);  // and so are the paid 1,000
  EXPECT_EQ(send(3001, R"("yes")"), 400);
  const auto messages = state.messages("telegram");
  ASSERT_EQ(messages.size(), 1030u);
  EXPECT_FALSE(messages.front().as_object().contains("allow_paid_broadcast"));
  EXPECT_TRUE(messages.back().at("allow_paid_broadcast").as_bool());
}
