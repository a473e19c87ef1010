#include "daemon/model/alert_advice.hpp"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>

#include "daemon/text/readability.hpp"

namespace araldo::model {
namespace {

// Most of its letters are capitals (with enough letters to tell).
bool in_capitals(std::string_view utf8) {
  const auto text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  int upper = 0, lower = 0;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    const auto c = text.char32At(i);
    if (u_isupper(c)) ++upper;
    if (u_islower(c)) ++lower;
  }
  return upper + lower >= 12 && upper > 3 * lower;
}

std::string folded(std::string_view utf8) {
  auto text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), utf8.size()));
  text.foldCase();
  std::string out;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    if (u_isalnum(text.char32At(i))) {
      icu::UnicodeString(text.char32At(i)).toUTF8String(out);
    }
  }
  return out;
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

// The checks of one language's text; `at` is "" for the alert, "/translations/N" for one
// of its translations.
void advise_text(const std::string& at, const std::string& language, const std::string& headline,
                 const std::string& description, const std::string& instruction,
                 std::vector<Advice>& out) {
  for (const auto& [field, value] : {std::pair{"headline", &headline},
                                     {"description", &description},
                                     {"instruction", &instruction}}) {
    if (in_capitals(*value)) {
      out.push_back({at + "/" + field,
                     "is written in capitals: it reads as shouting and is slower to read; write "
                     "it in sentence case (the severity says how serious it is)"});
    }
  }
  if (code_points(headline) > 140) {
    out.push_back({at + "/headline", "is " + std::to_string(code_points(headline)) +
                                         " characters: over 140, it is cut on lock screens and "
                                         "in notifications"});
  }
  const auto d = folded(description), i = folded(instruction);
  if (!i.empty() && !d.empty() && (d == i || (i.size() > 20 && d.find(i) != std::string::npos))) {
    out.push_back({at + "/instruction",
                   "repeats the description: say what people must do (\"Salite ai piani alti\")"});
  }
  const auto body = description + (description.empty() ? "" : "\n") + instruction;
  const auto primary = primary_language(language);
  if (primary == "it") {
    if (auto g = text::gulpease(body); g && *g < gulpease_hard_below) {
      out.push_back({at + "/description",
                     fmt::format("is hard to read: Gulpease index {:.0f} (below {:.0f} is hard "
                                 "for most readers); use short sentences and common words",
                                 *g, gulpease_hard_below)});
    }
  } else if (primary == "en") {
    if (auto f = text::flesch_reading_ease(body); f && *f < flesch_hard_below) {
      out.push_back({at + "/description",
                     fmt::format("is hard to read: Flesch reading ease {:.0f} (below {:.0f} is "
                                 "difficult); use short sentences and short words",
                                 *f, flesch_hard_below)});
    }
  }
}

}  // namespace

std::vector<Advice> advise(const Alert& a) {
  std::vector<Advice> out;
  // The five elements: what (event, headline) is required; the others may be missing.
  if (a.sender.empty()) out.push_back({"/sender", "says nobody issues it"});
  if (a.area.empty() && a.geometry.empty()) {
    out.push_back({"/area", "says nowhere where it applies (a place, a zone, an area)"});
  }
  // Geocodes Araldo cannot place (another system's codes) do not narrow the alert: better
  // everyone than nobody. The preview says so.
  if (!a.geometry.geocodes.empty() && a.geometry.targets_everyone()) {
    out.push_back({"/geocodes",
                   "none is an ISTAT municipality code, and there is no polygon or circle: the "
                   "alert reaches everyone, as one without an area"});
  }
  if (a.instruction.empty()) {
    out.push_back({"/instruction", "says nothing about what to do: people act on instructions"});
  }
  if (!a.expires) {
    out.push_back({"/expires", "says nothing about until when it holds (expires)"});
  }
  advise_text("", a.language, a.headline, a.description, a.instruction, out);
  for (std::size_t k = 0; k < a.translations.size(); ++k) {
    const auto& t = a.translations[k];
    advise_text("/translations/" + std::to_string(k), t.language, t.headline, t.description,
                t.instruction, out);
  }
  return out;
}

}  // namespace araldo::model
