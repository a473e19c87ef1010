#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channels/registry.hpp"
#include "channels/telegram/telegram_html.hpp"

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

std::vector<std::string> parts_of(const channels::Channel& ch, const std::string& html) {
  auto split = ch.split(html, "it");
  if (auto* why = std::get_if<std::string>(&split)) {
    ADD_FAILURE() << *why;
    return {};
  }
  return std::get<std::vector<std::string>>(split);
}

std::size_t visible(const std::string& html) {
  auto parsed = channels::telegram::parse_html(html);
  EXPECT_TRUE(std::holds_alternative<channels::telegram::ParsedHtml>(parsed)) << html;
  return std::get<channels::telegram::ParsedHtml>(parsed).utf16_units;
}

TEST(TelegramChannel, TextThatFitsIsOneUntouchedPart) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  const auto html = "<b>" + std::string(4096, 'a') + "</b>";
  EXPECT_EQ(parts_of(*ch, html), std::vector<std::string>{html});
}

TEST(TelegramChannel, RefusesWhatTelegramWouldRefuse) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  EXPECT_TRUE(std::holds_alternative<std::string>(ch->split("<b> </b>", "it")));  // empty
  EXPECT_TRUE(std::holds_alternative<std::string>(ch->split("a & b", "it")));     // bare &
  // One formatted span longer than a message cannot be cut without cutting the tag.
  auto span =
      ch->split("<b>" + std::string(3000, 'a') + " " + std::string(3000, 'b') + "</b>", "it");
  ASSERT_TRUE(std::holds_alternative<std::string>(span));
}

TEST(TelegramChannel, LongTextIsPackedIntoFullNumberedPartsCutOutsideTags) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  // Three paragraphs of ~1800 characters: two parts, the first filled as far as it goes
  // (every message spends the bot's rate budget), cut between words, never in a tag.
  const std::string p1 = "<b>Allerta</b> " + std::string(1800, 'x');
  const std::string p2 = "<i>" + std::string(1800, 'y') + "</i>";
  const std::string p3 = "Cosa fare: " + std::string(1800, 'z') + " &amp; altro";
  const auto parts = parts_of(*ch, p1 + "\n\n" + p2 + "\n\n" + p3);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], p1 + "\n\n" + p2 + "\n\nCosa fare:\n(1/2)");
  EXPECT_EQ(parts[1], std::string(1800, 'z') + " &amp; altro\n(2/2)");
  for (const auto& part : parts) EXPECT_LE(visible(part), 4096u);
}

TEST(TelegramChannel, AFirstPartIsNotTheHeadlineAlone) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  std::string description;
  for (int i = 0; i < 400; ++i) description += "Frase " + std::to_string(i) + " del testo. ";
  const auto parts = parts_of(*ch, "<b>Esondazione</b>\n\n" + description);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_TRUE(parts[0].starts_with("<b>Esondazione</b>\n\nFrase 0 del testo. Frase 1"));
  EXPECT_GT(visible(parts[0]), 4000u);  // full, not a headline on its own
  EXPECT_GT(visible(parts[1]), 4000u);
}

TEST(TelegramChannel, TextWithoutSpacesIsCutBetweenGraphemeClusters) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  // 1,500 Italian flags (4 UTF-16 units each, two code points) and accented letters
  // written as e + combining grave: a cut inside either would split what a reader sees.
  std::string word;
  for (int i = 0; i < 1500; ++i) word += i % 3 == 0 ? "e\u0300" : "\U0001F1EE\U0001F1F9";
  const auto parts = parts_of(*ch, word);
  ASSERT_GE(parts.size(), 2u);
  std::string joined;
  for (const auto& part : parts) {
    const auto body = part.substr(0, part.rfind('\n'));
    EXPECT_FALSE(body.starts_with("\U0001F1F9")) << "a flag was cut in two";
    EXPECT_FALSE(body.starts_with("\u0300")) << "an accent was cut from its letter";
    EXPECT_LE(visible(part), 4096u);
    joined += body;
  }
  EXPECT_EQ(joined, word);
}

TEST(TelegramChannel, NeverCutsInsideATagOrAnEntity) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  // A paragraph break inside <blockquote> is not a place to cut.
  std::string html = "<blockquote>" + std::string(2000, 'q') + "\n\n" + std::string(1000, 'r') +
                     "</blockquote>\n\n";
  for (int i = 0; i < 300; ++i) html += "parola &lt;" + std::to_string(i) + "&gt; ";
  const auto parts = parts_of(*ch, html);
  ASSERT_GE(parts.size(), 2u);
  EXPECT_TRUE(parts[0].starts_with("<blockquote>"));
  EXPECT_NE(parts[0].find("</blockquote>"), std::string::npos);
  for (const auto& part : parts) EXPECT_LE(visible(part), 4096u) << part.substr(0, 80);
  // A word longer than a part is broken between characters, entities kept whole.
  std::string word;
  for (int i = 0; i < 5000; ++i) word += i % 7 ? "a" : "&amp;";
  const auto broken = parts_of(*ch, word);
  ASSERT_EQ(broken.size(), 2u);
  for (const auto& part : broken) EXPECT_LE(visible(part), 4096u);
}

TEST(TelegramChannel, TooManyPartsIsAnError) {
  auto ch = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1']}");
  std::string html;
  for (int i = 0; i < 12; ++i) html += std::string(4000, 'a' + i) + "\n\n";
  auto split = ch->split(html, "it");
  ASSERT_TRUE(std::holds_alternative<std::string>(split));
  EXPECT_NE(std::get<std::string>(split).find("12 parts"), std::string::npos);
}

TEST(TelegramChannel, ChatsMayAskForTheirLanguageAndArePacedPerChat) {
  auto ch = make(
      "{type: telegram, bot_token: '${TG_TOKEN}', language: it, chats: ['@allerta_comune', "
      "'42'], chat_languages: {'42': en}}");
  const auto targets = ch->targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].language, "");
  EXPECT_EQ(targets[1].language, "en");
  EXPECT_EQ(ch->target_interval("42"), std::chrono::milliseconds(1000));
  EXPECT_EQ(ch->target_interval("@allerta_comune"), std::chrono::milliseconds(3000));
  EXPECT_EQ(ch->rate_limit().per_second, 30);
  EXPECT_NE(config_error("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1'], "
                         "chat_languages: {'2': en}}")
                .find("chat_languages.2: not one of the chats"),
            std::string::npos);
  auto limited = make(
      "{type: telegram, bot_token: '${TG_TOKEN}', chats: ['1'], rate_limit: {per_minute: 120, "
      "burst: 4}}");
  EXPECT_EQ(limited->rate_limit().per_second, 2);
  EXPECT_EQ(limited->rate_limit().burst, 4);
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

TEST(TelegramChannel, APaidBroadcastBotAsksForItOnNewMessagesAndGoesAtAThousandASecond) {
  auto paid =
      make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['42'], allow_paid_broadcast: true}");
  EXPECT_EQ(paid->rate_limit().per_second, 1000);
  channels::Message send{"42", "Allerta"};
  EXPECT_TRUE(
      boost::json::parse(paid->build_request(send).body).at("allow_paid_broadcast").as_bool());
  channels::Message edit{"42", "Revocata"};
  edit.action = channels::Action::edit;
  edit.subject_id = "7";
  EXPECT_FALSE(boost::json::parse(paid->build_request(edit).body)
                   .as_object()
                   .contains("allow_paid_broadcast"));  // editMessageText takes no such field
  auto free = make("{type: telegram, bot_token: '${TG_TOKEN}', chats: ['42']}");
  EXPECT_EQ(free->rate_limit().per_second, 30);
  EXPECT_FALSE(boost::json::parse(free->build_request(send).body)
                   .as_object()
                   .contains("allow_paid_broadcast"));
}
