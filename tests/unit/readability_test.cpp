// Readability measures and the preview's advice on how a warning is written.
#include <gtest/gtest.h>

#include "daemon/model/alert_advice.hpp"
#include "daemon/text/readability.hpp"

using namespace araldo;

namespace {

bool advised(const std::vector<model::Advice>& all, const std::string& pointer,
             const std::string& words) {
  for (const auto& a : all) {
    if (a.pointer == pointer && a.detail.find(words) != std::string::npos) return true;
  }
  return false;
}

model::Alert good_alert() {
  model::Alert a;
  a.headline = "Il Seveso esonda a Niguarda";
  a.description = "Il fiume è uscito dagli argini. L'acqua sale in via Valfurva.";
  a.instruction = "Salite ai piani alti. Non usate l'auto. Non scendete in cantina.";
  a.event = "Alluvione";
  a.area = "Niguarda";
  a.language = "it";
  a.sender = "protezionecivile@comune.example";
  a.expires = "2026-12-07T22:00:00+01:00";
  return a;
}

}  // namespace

// Counted by hand: 8 words, 27 letters (è is one), 2 sentences.
TEST(Readability, CountsWordsLettersAndSentencesOfItalian) {
  const auto c = text::count_text("Il fiume è in piena. Restate a casa.", "it");
  EXPECT_EQ(c.words, 8);
  EXPECT_EQ(c.letters, 27);
  EXPECT_EQ(c.sentences, 2);
}

// Gulpease = 89 + (300 * 1 - 10 * 64) / 11 = 58.1 for one sentence of 11 words and 64
// letters (counted by hand): just below "easy for most readers".
TEST(Readability, GulpeaseFollowsItsFormula) {
  const std::string text =
      "La protezione civile comunica che domani resteranno chiuse tutte le scuole.";
  const auto c = text::count_text(text, "it");
  ASSERT_EQ(c.words, 11);
  ASSERT_EQ(c.letters, 64);
  ASSERT_EQ(c.sentences, 1);
  EXPECT_NEAR(*text::gulpease(text), 89.0 + (300.0 - 640.0) / 11.0, 1e-9);
  // Plain short sentences score high (clamped at 100); officialese scores low.
  EXPECT_DOUBLE_EQ(*text::gulpease("Il fiume è in piena. Restate a casa."), 100.0);
  EXPECT_LT(*text::gulpease("Si comunica alla cittadinanza che, in considerazione dell'eccezionale "
                            "innalzamento del livello idrometrico, l'amministrazione comunale "
                            "dispone l'evacuazione precauzionale delle abitazioni prospicienti."),
            40.0);
  EXPECT_FALSE(text::gulpease("").has_value());
}

// "The cat sat on the mat.": 6 words, 6 syllables, 1 sentence: 206.835 - 6.09 - 84.6.
TEST(Readability, FleschReadingEaseOfKnownTexts) {
  EXPECT_NEAR(*text::flesch_reading_ease("The cat sat on the mat."), 116.145, 1e-9);
  const auto c = text::count_text("Evacuate immediately. Use the stairs.", "en");
  EXPECT_EQ(c.words, 5);
  EXPECT_EQ(c.sentences, 2);
  // By the rule (vowel groups, less a silent final e): e-va-cu-ate 3, im-me-di-a-te-ly 5,
  // use 1, the 1, stairs 1.
  EXPECT_EQ(c.syllables, 11);
  EXPECT_LT(*text::flesch_reading_ease(
                "Notwithstanding precautionary hydrological considerations, municipal "
                "administrative authorities recommend comprehensive evacuation procedures."),
            20.0);
}

TEST(AlertAdvice, AWellWrittenWarningGetsNone) {
  const auto advice = model::advise(good_alert());
  for (const auto& a : advice) ADD_FAILURE() << a.pointer << ": " << a.detail;
}

TEST(AlertAdvice, MissingElementsCapitalsLengthAndRepetitionAreNamed) {
  auto a = good_alert();
  a.instruction.clear();
  a.expires.reset();
  a.area.clear();
  a.headline = "ALLERTA ROSSA: IL SEVESO ESONDA A NIGUARDA";
  EXPECT_TRUE(advised(model::advise(a), "/instruction", "what to do"));
  EXPECT_TRUE(advised(model::advise(a), "/expires", "until when"));
  EXPECT_TRUE(advised(model::advise(a), "/area", "where"));
  EXPECT_TRUE(advised(model::advise(a), "/headline", "capitals"));
  a.geometry.geocodes = {{"SAME", "006037"}};
  EXPECT_TRUE(advised(model::advise(a), "/geocodes", "reaches everyone"));
  a.geometry.geocodes.push_back({"ISTAT", "015146"});
  EXPECT_FALSE(advised(model::advise(a), "/geocodes", "reaches everyone"));

  auto b = good_alert();
  b.headline = std::string(141, 'x');
  b.instruction = b.description;
  EXPECT_TRUE(advised(model::advise(b), "/headline", "141 characters"));
  EXPECT_TRUE(advised(model::advise(b), "/instruction", "repeats the description"));

  auto c = good_alert();
  c.description =
      "Si comunica alla cittadinanza che, in considerazione dell'eccezionale innalzamento del "
      "livello idrometrico, l'amministrazione comunale dispone l'evacuazione precauzionale "
      "delle abitazioni prospicienti.";
  EXPECT_TRUE(advised(model::advise(c), "/description", "Gulpease"));

  model::AlertText english{"en",
                           "Flooding in Niguarda",
                           "Notwithstanding precautionary hydrological considerations, municipal "
                           "administrative authorities recommend comprehensive evacuation.",
                           "",
                           "",
                           "",
                           std::nullopt};
  c.translations.push_back(english);
  EXPECT_TRUE(advised(model::advise(c), "/translations/0/description", "Flesch"));
}
