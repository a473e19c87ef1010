#pragma once
// How hard a text is to read, by the measures Italian and English plain-language guides
// use: the Gulpease index (Italian; 0-100, below 60 hard for most readers, below 40 for
// all but graduates) and Flesch reading ease (English; below 50 "difficult"). Words and
// sentences are found by ICU's break iterators for the text's language.
#include <optional>
#include <string_view>

namespace araldo::text {

struct TextCounts {
  int words = 0;
  int sentences = 0;
  int letters = 0;    // alphabetic code points in words
  int syllables = 0;  // English only: vowel groups, by the usual rule (see readability.cpp)
};

TextCounts count_text(std::string_view utf8, std::string_view language);

// nullopt for a text without words. Gulpease = 89 + (300 sentences - 10 letters) / words,
// clamped to 0..100.
std::optional<double> gulpease(std::string_view utf8);
// 206.835 - 1.015 words/sentences - 84.6 syllables/words.
std::optional<double> flesch_reading_ease(std::string_view utf8);

}  // namespace araldo::text
