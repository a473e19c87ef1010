#include <gtest/gtest.h>

#include "channels/telegram/telegram_classify.hpp"

using namespace araldo::channels;
using Kind = Outcome::Kind;

namespace {
Outcome answer(long status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return telegram::classify_answer(r);
}
}  // namespace

TEST(TelegramClassify, OkIsDeliveredWithTheMessageId) {
  auto o = answer(200, R"({"ok":true,"result":{"message_id":4711,"date":1,"chat":{"id":-100}}})");
  EXPECT_EQ(o.kind, Kind::delivered);
  EXPECT_EQ(o.platform_id, "4711");
}

TEST(TelegramClassify, OkWithoutEnvelopeIsTransient) {
  EXPECT_EQ(answer(200, "<html>captive portal</html>").kind, Kind::transient);
  EXPECT_EQ(answer(200, R"({"ok":true})").kind, Kind::transient);
}

TEST(TelegramClassify, FloodControlWaitsTheSignalledTimeForTheWholeBot) {
  auto o = answer(
      429,
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})");
  EXPECT_EQ(o.kind, Kind::retry_after);
  EXPECT_EQ(o.wait, std::chrono::seconds(7));
  EXPECT_EQ(o.scope, Scope::channel);
  EXPECT_NE(o.reason.find("retry after 7"), std::string::npos);
}

TEST(TelegramClassify, FloodControlFallsBackToRetryAfterHeaderThenDefault) {
  HttpReply r;
  r.status = 429;
  r.body = "{}";
  r.headers.add("Retry-After", "12");
  EXPECT_EQ(telegram::classify_answer(r).wait, std::chrono::seconds(12));
  EXPECT_EQ(answer(429, "{}").wait, std::chrono::seconds(30));
}

struct PermanentCase {
  long status;
  const char* body;
  Scope scope;
  const char* reason_has;
};

class TelegramPermanent : public ::testing::TestWithParam<PermanentCase> {};

TEST_P(TelegramPermanent, IsPermanentWithTheRightScope) {
  const auto& c = GetParam();
  auto o = answer(c.status, c.body);
  EXPECT_EQ(o.kind, Kind::permanent);
  EXPECT_EQ(o.scope, c.scope);
  EXPECT_NE(o.reason.find(c.reason_has), std::string::npos) << o.reason;
}

INSTANTIATE_TEST_SUITE_P(
    PlatformsTable, TelegramPermanent,
    ::testing::Values(
        PermanentCase{401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})",
                      Scope::channel, "token"},
        PermanentCase{404, R"({"ok":false,"error_code":404,"description":"Not Found"})",
                      Scope::channel, "404"},
        PermanentCase{
            400, R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})",
            Scope::target, "chat not found"},
        PermanentCase{
            400,
            R"({"ok":false,"error_code":400,"description":"Bad Request: message is too long"})",
            Scope::target, "too long"},
        PermanentCase{
            400,
            R"({"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: x"})",
            Scope::target, "can't parse entities"},
        PermanentCase{
            403,
            R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})",
            Scope::target, "blocked"}));

TEST(TelegramClassify, UpgradedGroupIsSentAgainAtOnceToItsNewId) {
  auto o = answer(
      400,
      R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876}})");
  EXPECT_EQ(o.kind, Kind::retry_after);
  EXPECT_EQ(o.wait, std::chrono::seconds(0));
  EXPECT_EQ(o.scope, Scope::target);
  EXPECT_EQ(o.moved_to, "-1009876");
  EXPECT_NE(o.reason.find("supergroup"), std::string::npos);
}

TEST(TelegramClassify, ServerErrorsAndTransportFailuresAreTransient) {
  EXPECT_EQ(answer(500, R"({"ok":false,"error_code":500,"description":"Internal"})").kind,
            Kind::transient);
  EXPECT_EQ(answer(502, "Bad Gateway").kind, Kind::transient);
  auto o = telegram::classify_answer(TransportError{TransportError::Kind::timeout, "30 s"});
  EXPECT_EQ(o.kind, Kind::transient);
  EXPECT_NE(o.reason.find("timeout"), std::string::npos);
  EXPECT_EQ(telegram::classify_answer(TransportError{TransportError::Kind::reset, "reset"}).kind,
            Kind::transient);
}
