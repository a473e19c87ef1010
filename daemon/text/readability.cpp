#include "daemon/text/readability.hpp"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <string>

namespace araldo::text {
namespace {

bool vowel(UChar32 c) {
  c = u_tolower(c);
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// English syllables by the usual approximation (no Debian library counts them): groups of
// vowels, less a silent final "e" (not "-le"), at least one per word.
int english_syllables(const icu::UnicodeString& word) {
  int groups = 0;
  bool in_vowels = false;
  const int32_t n = word.length();
  for (int32_t i = 0; i < n; ++i) {
    const bool v = vowel(word.charAt(i));
    if (v && !in_vowels) ++groups;
    in_vowels = v;
  }
  if (n > 2 && u_tolower(word.charAt(n - 1)) == 'e' && !vowel(word.charAt(n - 2)) &&
      !(u_tolower(word.charAt(n - 2)) == 'l' && !vowel(word.charAt(n - 3))) && groups > 1) {
    --groups;
  }
  return std::max(groups, 1);
}

}  // namespace

TextCounts count_text(std::string_view utf8, std::string_view language) {
  TextCounts out;
  const auto text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  const icu::Locale locale(std::string(language).c_str());
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> words(icu::BreakIterator::createWordInstance(locale, status));
  std::unique_ptr<icu::BreakIterator> sentences(
      icu::BreakIterator::createSentenceInstance(locale, status));
  if (U_FAILURE(status)) return out;
  words->setText(text);
  for (int32_t start = words->first(), end = words->next(); end != icu::BreakIterator::DONE;
       start = end, end = words->next()) {
    // Letters and numbers are words; spaces and punctuation are not.
    if (words->getRuleStatus() < UBRK_WORD_NUMBER) continue;
    icu::UnicodeString word;
    text.extract(start, end - start, word);
    int letters = 0;
    for (int32_t i = 0; i < word.length(); i = word.moveIndex32(i, 1)) {
      if (u_isalpha(word.char32At(i))) ++letters;
    }
    ++out.words;
    out.letters += letters;
    if (letters > 0) out.syllables += english_syllables(word);
  }
  sentences->setText(text);
  for (int32_t start = sentences->first(), end = sentences->next(); end != icu::BreakIterator::DONE;
       start = end, end = sentences->next()) {
    // A sentence holds at least one letter or digit (not a stray line of dashes).
    bool has_word = false;
    for (int32_t i = start; i < end && !has_word; ++i) has_word = u_isalnum(text.char32At(i));
    if (has_word) ++out.sentences;
  }
  return out;
}

std::optional<double> gulpease(std::string_view utf8) {
  const auto c = count_text(utf8, "it");
  if (c.words == 0) return std::nullopt;
  const double g = 89.0 + (300.0 * c.sentences - 10.0 * c.letters) / c.words;
  return std::clamp(g, 0.0, 100.0);
}

std::optional<double> flesch_reading_ease(std::string_view utf8) {
  const auto c = count_text(utf8, "en");
  if (c.words == 0 || c.sentences == 0) return std::nullopt;
  return 206.835 - 1.015 * c.words / c.sentences - 84.6 * c.syllables / c.words;
}

}  // namespace araldo::text
