#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "channels/registry.hpp"
#include "daemon/render/renderer.hpp"

using namespace araldo;

namespace {
std::unique_ptr<channels::Channel> telegram(const std::string& extra = "") {
  channels::ChannelRegistry registry;
  channels::register_all_channels(registry);
  config::Section s(
      YAML::Load("{type: telegram, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi',"
                 " chats: ['1']" +
                 extra + "}"),
      "channels.tg", config::process_env);
  return registry.create("tg", s);
}

model::Alert alert() {
  model::Alert a;
  a.headline = "Esondazione <Seveso>";
  a.event = "Flood";
  a.severity = "Extreme";
  a.urgency = "Immediate";
  a.certainty = "Observed";
  a.categories = {"Met"};
  a.language = "it";
  return a;
}
}  // namespace

TEST(Renderer, RendersItalianTelegramWithEscapingAndOnlyPresentSections) {
  render::Renderer r;
  auto ch = telegram();
  auto a = alert();
  a.instruction = "Salire ai piani alti & restare in casa";
  a.web = "https://x.example/?a=1&b=2";
  const auto text = r.render(*ch, a).text;
  // The level in words and one symbol, not colour alone.
  EXPECT_NE(text.find("<b>🔴 ALLERTA ROSSA · Esondazione &lt;Seveso&gt;</b>"), std::string::npos)
      << text;
  EXPECT_NE(text.find("<b>Cosa fare:</b> Salire ai piani alti &amp; restare in casa"),
            std::string::npos);
  EXPECT_NE(text.find("<a href=\"https://x.example/?a=1&amp;b=2\">"), std::string::npos);
  EXPECT_EQ(text.find("📍"), std::string::npos);  // no area given
  EXPECT_EQ(text.find("Valido fino"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(ch->split(text, "it")))
      << "rendered text must be valid Telegram HTML";
}

TEST(Renderer, ChoosesLanguageThenChannelDefaultThenEnglish) {
  render::Renderer r;
  auto ch = telegram(", language: it");
  auto a = alert();
  a.language = "en-GB";
  a.instruction = "Go upstairs";
  EXPECT_NE(r.render(*ch, a).text.find("What to do:"), std::string::npos);
  a.language = "de";  // no German template: the channel's default (Italian)
  EXPECT_NE(r.render(*ch, a).text.find("Cosa fare:"), std::string::npos);
}

TEST(Renderer, ExpiresIsShownReadablyWithItsOffset) {
  render::Renderer r;
  auto a = alert();
  a.expires = "2026-03-14T18:30:00+01:00";
  EXPECT_NE(r.render(*telegram(), a).text.find("14/03/2026 18:30 (UTC+01:00)"), std::string::npos);
}

TEST(Renderer, OperatorTemplateDirOverridesBuiltIn) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("araldo-tpl-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "it.mustache") << "COMUNE: {{headline}}";
  render::Renderer r;
  auto ch = telegram(", template_dir: '" + dir.string() + "'");
  EXPECT_EQ(r.render(*ch, alert()).text, "COMUNE: Esondazione &lt;Seveso&gt;");
  std::filesystem::remove_all(dir);
}

TEST(Renderer, BrokenTemplateFailsTheStartupCheck) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("araldo-bad-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "it.mustache") << "{{#headline}}never closed";
  render::Renderer r;
  auto ch = telegram(", template_dir: '" + dir.string() + "'");
  EXPECT_THROW(r.check(*ch), render::RenderError);
  std::filesystem::remove_all(dir);
}

TEST(Renderer, EachTargetGetsTheTranslationItAskedForOrTheChannelDefault) {
  render::Renderer r;
  auto ch = telegram(", language: it");
  auto a = alert();
  a.instruction = "Salire ai piani alti";
  a.translations.push_back(
      {"en", "River Seveso flooding", "", "Go upstairs", "", "Niguarda", std::nullopt});

  const auto english = r.render(*ch, a, "en-US");
  EXPECT_EQ(english.language, "en");
  EXPECT_NE(english.text.find("<b>🔴 RED ALERT · River Seveso flooding</b>"), std::string::npos)
      << english.text;
  EXPECT_NE(english.text.find("What to do:</b> Go upstairs"), std::string::npos);
  EXPECT_NE(english.text.find("📍 Niguarda"), std::string::npos);

  // Nobody translated it into German: the channel's default language, Italian.
  const auto german = r.render(*ch, a, "de");
  EXPECT_EQ(german.language, "it");
  EXPECT_NE(german.text.find("Cosa fare:</b> Salire ai piani alti"), std::string::npos);
  EXPECT_EQ(r.render(*ch, a).language, "it");
}

TEST(Renderer, StartupCheckRefusesATemplateTheChannelCannotSend) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("araldo-empty-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "it.mustache") << "{{#description}}{{description}}{{/description}}";
  render::Renderer r;
  auto ch = telegram(", template_dir: '" + dir.string() + "'");
  EXPECT_THROW(r.check(*ch), render::RenderError);  // renders nothing for a minimal alert
  std::filesystem::remove_all(dir);
}

namespace {
std::unique_ptr<channels::Channel> whatsapp() {
  channels::ChannelRegistry registry;
  channels::register_all_channels(registry);
  config::Section s(YAML::Load("{type: whatsapp, phone_number_id: '1055555', access_token: t,"
                               " template: {name: allerta_comune, languages: {it: it}}}"),
                    "channels.wa", config::process_env);
  return registry.create("wa", s);
}

std::vector<std::string> parameters_of(const channels::Channel& ch, const std::string& rendered) {
  const auto split = ch.split(rendered, "it");
  if (const auto* why = std::get_if<std::string>(&split)) {
    ADD_FAILURE() << *why;
    return {};
  }
  std::vector<std::string> out;
  const auto doc = boost::json::parse(std::get<std::vector<std::string>>(split).front());
  for (const auto& p : doc.at("parameters").as_array()) out.emplace_back(p.as_string());
  return out;
}
}  // namespace

TEST(Renderer, TheDefaultWhatsAppTemplateCarriesTheDescriptionAndKeepsTheLink) {
  render::Renderer r;
  auto ch = whatsapp();
  auto a = alert();
  a.area = "Niguarda";
  a.description = "Il Seveso è esondato in via Valfurva.";
  a.instruction = "Salire ai piani alti.";
  a.web = "https://www.comune.milano.it/allerta";
  const auto params = parameters_of(*ch, r.render(*ch, a).text);
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0], "🔴 ALLERTA ROSSA · Esondazione <Seveso>");
  EXPECT_EQ(params[1], "Niguarda");
  EXPECT_EQ(params[2], "Il Seveso è esondato in via Valfurva.");
  // The link is not dropped when an instruction is given.
  EXPECT_EQ(params[3], "Salire ai piani alti. Aggiornamenti: https://www.comune.milano.it/allerta");

  a.description.clear();  // WhatsApp refuses an empty parameter: the event stands in
  EXPECT_EQ(parameters_of(*ch, r.render(*ch, a).text).at(2), "Flood");
}

TEST(Renderer, ALongDescriptionIsShortenedAtASentenceWithAnEllipsisAndTheLink) {
  render::Renderer r;
  auto ch = whatsapp();
  auto a = alert();
  a.web = "https://www.comune.milano.it/allerta";
  for (int i = 0; i < 40; ++i) a.description += "Frase numero " + std::to_string(i) + " è qui. ";
  const auto params = parameters_of(*ch, r.render(*ch, a).text);
  ASSERT_EQ(params.size(), 4u);
  const auto& brief = params[2];
  EXPECT_TRUE(brief.starts_with("Frase numero 0 è qui. Frase numero 1"));
  EXPECT_TRUE(brief.ends_with(". … https://www.comune.milano.it/allerta")) << brief;
  std::size_t length = 0;
  for (unsigned char c : brief) length += (c & 0xC0) != 0x80;
  EXPECT_LE(length, 600u);
  EXPECT_GT(length, 500u);  // cut at the last sentence that fits, not far before
  // Without a link, the ellipsis alone; a description that fits is left whole.
  a.web.reset();
  EXPECT_TRUE(parameters_of(*ch, r.render(*ch, a).text).at(2).ends_with("è qui. …"));
  a.description = "Breve.";
  EXPECT_EQ(parameters_of(*ch, r.render(*ch, a).text).at(2), "Breve.");
}

TEST(Renderer, EveryBuiltInTemplateSaysInWordsThatADrillIsADrill) {
  render::Renderer r;
  for (const auto& [type, yaml] : std::vector<std::pair<std::string, std::string>>{
           {"telegram",
            "{type: telegram, bot_token: '1:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi', "
            "chats: ['1'], statuses: [Exercise, Test]}"},
           {"x",
            "{type: x, account: '@a', consumer_key: k, consumer_secret: s, access_token: "
            "t, access_token_secret: u, statuses: [Exercise, Test]}"},
           {"facebook",
            "{type: facebook, page_id: '104857600', page_access_token: t, statuses: "
            "[Exercise, Test]}"},
           {"whatsapp",
            "{type: whatsapp, phone_number_id: '1055555', access_token: t, template: "
            "{name: n, languages: {it: it, en: en}}, statuses: [Exercise, Test]}"}}) {
    channels::ChannelRegistry registry;
    channels::register_all_channels(registry);
    config::Section s(YAML::Load(yaml), "channels.c", config::process_env);
    auto ch = registry.create("c", s);
    EXPECT_NO_THROW(r.check(*ch)) << type;
    for (const auto& [status, language, words] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"Exercise", "it", "ESERCITAZIONE"},
             {"Exercise", "en", "EXERCISE"},
             {"Test", "it", "PROVA"},
             {"Test", "en", "TEST"}}) {
      auto a = alert();
      a.status = status;
      a.language = language;
      const auto text = r.render(*ch, a, language).text;
      EXPECT_NE(text.find(words), std::string::npos) << type << " " << status << ": " << text;
    }
  }
}

TEST(Renderer, StartupCheckRefusesADrillChannelWhoseTemplateDoesNotSaySo) {
  const auto dir = std::filesystem::temp_directory_path() / "araldo-renderer-drill";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "it.mustache") << "<b>{{headline}}</b>\n";
  auto ch = telegram(", statuses: [Exercise], template_dir: '" + dir.string() + "'");
  render::Renderer r;
  try {
    r.check(*ch);
    ADD_FAILURE() << "a drill channel rendering an Exercise as a real alert was accepted";
  } catch (const render::RenderError& e) {
    EXPECT_NE(std::string(e.what()).find("renders a Exercise alert exactly as an Actual one"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(Renderer, EmptySectionsLeaveAtMostOneBlankLine) {
  render::Renderer r;
  auto ch = telegram();
  auto a = alert();
  a.sender = "protezionecivile@comune.example";
  const auto text = r.render(*ch, a).text;
  EXPECT_EQ(text.find("\n\n\n"), std::string::npos) << text;
  EXPECT_EQ(text,
            "<b>🔴 ALLERTA ROSSA · Esondazione &lt;Seveso&gt;</b>\n\n— "
            "protezionecivile@comune.example");
}

TEST(Renderer, AShortenedDescriptionLinksToThePublicPageWhenThereIsOne) {
  render::Renderer r;
  auto ch = whatsapp();
  auto a = alert();
  a.web = "https://www.comune.milano.it/allerta";
  a.public_page = "https://allerta.comune.example/public/alerts/6f1c";
  for (int i = 0; i < 40; ++i) a.description += "Frase numero " + std::to_string(i) + " è qui. ";
  const auto params = parameters_of(*ch, r.render(*ch, a).text);
  ASSERT_EQ(params.size(), 4u);
  EXPECT_TRUE(params[2].ends_with(". … https://allerta.comune.example/public/alerts/6f1c"))
      << params[2];
}

// Every platform's message states the level in words with the same symbol per level, in
// the template's language; an Unknown severity announces no level.
TEST(Renderer, EveryPlatformStatesTheLevelInWordsWithOneSymbolPerLevel) {
  channels::ChannelRegistry registry;
  channels::register_all_channels(registry);
  const auto make = [&](const std::string& yaml) {
    config::Section s(YAML::Load(yaml), "channels.c", config::process_env);
    return registry.create("c", s);
  };
  std::vector<std::unique_ptr<channels::Channel>> all;
  all.push_back(telegram());
  all.push_back(
      make("{type: x, account: '@pc', consumer_key: a, consumer_secret: b, access_token: c,"
           " access_token_secret: d}"));
  all.push_back(make("{type: facebook, page_id: '104857600', page_access_token: t}"));
  all.push_back(
      make("{type: whatsapp, phone_number_id: '1055555', access_token: t, template: {name: "
           "allerta_comune,"
           " parameters: 4, languages: {it: it, en: en_US}}}"));
  render::Renderer r;
  const std::vector<std::tuple<std::string, std::string, std::string>> levels{
      {"Extreme", "🔴 ALLERTA ROSSA", "🔴 RED ALERT"},
      {"Severe", "🟠 ALLERTA ARANCIONE", "🟠 ORANGE ALERT"},
      {"Moderate", "🟡 ALLERTA GIALLA", "🟡 YELLOW ALERT"},
      {"Minor", "🟢 AVVISO", "🟢 NOTICE"}};
  for (const auto& ch : all) {
    for (const auto& [severity, italian, english] : levels) {
      auto a = alert();
      a.severity = severity;
      a.translations.push_back({"en", "Flooding", "", "", "", "", std::nullopt});
      const auto it = r.render(*ch, a, "it").text;
      const auto en = r.render(*ch, a, "en").text;
      EXPECT_NE(it.find(italian + " · "), std::string::npos) << ch->settings().type << ": " << it;
      EXPECT_NE(en.find(english + " · "), std::string::npos) << ch->settings().type << ": " << en;
    }
    auto unknown = alert();
    unknown.severity = "Unknown";
    const auto text = r.render(*ch, unknown).text;
    for (const char* word : {"ALLERTA", "AVVISO", "🔴", "🟠", "🟡", "🟢"}) {
      EXPECT_EQ(text.find(word), std::string::npos) << ch->settings().type << ": " << text;
    }
  }
}
