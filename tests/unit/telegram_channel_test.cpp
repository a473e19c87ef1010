#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/registry.hpp"

using namespace araldo;

namespace {
const std::string token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";

std::unique_ptr<channels::Channel> make(const std::string& yaml) {
  channels::ChannelRegistry registry;
  channels::register_all_channels(registry);
  config::Section s(YAML::Load(yaml), "channels.tg", [](const std::string& name) {
    return name == "TG_TOKEN" ? std::optional<std::string>(token) : std::nullopt;
  });
  return registry.create("tg", s);
}

std::string config_error(const std::string& yaml) {
  try {
    make(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(TelegramChannel, BuildsSendMessageWithTokenInPathAndTypedChatId) {
  auto ch = make(
      "{type: telegram, base_url: 'http://127.0.0.1:9/', bot_token: '${TG_TOKEN}', "
      "chats: ['@allerta_comune', '-1001234567890']}");
  ASSERT_EQ(ch->targets().size(), 2u);

  auto numeric = ch->build_request({"-1001234567890", "<b>x</b>"});
  EXPECT_EQ(numeric.method, "POST");
  EXPECT_EQ(numeric.url, "http://127.0.0.1:9/bot" + token + "/sendMessage");
  EXPECT_EQ(numeric.headers.find("Content-Type").value_or(""), "application/json");
  auto body = boost::json::parse(numeric.body).as_object();
  EXPECT_TRUE(body["chat_id"].is_int64());
  EXPECT_EQ(body["chat_id"].as_int64(), -1001234567890LL);
  EXPECT_EQ(body["text"].as_string(), "<b>x</b>");
  EXPECT_EQ(body["parse_mode"].as_string(), "HTML");

  auto named = boost::json::parse(ch->build_request({"@allerta_comune", "x"}).body).as_object();
  EXPECT_EQ(named["chat_id"].as_string(), "@allerta_comune");
}

TEST(TelegramChannel, ChecksRenderedLengthTheWayTelegramCounts) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  EXPECT_FALSE(ch->check_rendered("<b>" + std::string(4096, 'a') + "</b>"));
  auto too_long = ch->check_rendered(std::string(4097, 'a'));
  ASSERT_TRUE(too_long);
  EXPECT_NE(too_long->find("4097"), std::string::npos);
  EXPECT_TRUE(ch->check_rendered("<b> </b>"));  // empty once tags are gone
  EXPECT_TRUE(ch->check_rendered("a & b"));     // an unescaped & is refused by Telegram
}

TEST(TelegramChannel, ConfigErrorsNameThePathAndNeverTheToken) {
  const auto bad_token = config_error("{type: telegram, bot_token: 'not-a-token', chats: ['1']}");
  EXPECT_NE(bad_token.find("channels.tg.bot_token"), std::string::npos);
  EXPECT_EQ(bad_token.find("not-a-token"), std::string::npos);

  EXPECT_NE(config_error("{type: telegram, bot_token: '${TG_TOKEN}'}").find("chats"),
            std::string::npos);
  EXPECT_NE(config_error("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1'], chat: 'x'}")
                .find("channels.tg.chat: unknown key"),
            std::string::npos);
  EXPECT_NE(config_error("{type: telegram, bot_token: '${MISSING}', chats: ['1']}")
                .find("environment variable MISSING is not set"),
            std::string::npos);
  EXPECT_NE(config_error("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['not a chat']}")
                .find("chats[0]"),
            std::string::npos);
  EXPECT_NE(config_error("{type: telegrm, bot_token: x}").find("unknown channel type 'telegrm'"),
            std::string::npos);
}
