#include "channels/x/x_text_weight.hpp"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <memory>
#include <string>

#include "channels/x/x_urls.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::channels::x {
namespace {

bool light(UChar32 cp) {
  return cp <= 0x10FF || (cp >= 0x2000 && cp <= 0x200D) || (cp >= 0x2010 && cp <= 0x201F) ||
         (cp >= 0x2032 && cp <= 0x2037);
}

// An emoji sequence: a pictograph outside the light ranges, or any pictograph or keycap
// base dressed with a variation selector, skin tone, joiner or keycap mark.
bool is_emoji_cluster(const icu::UnicodeString& cluster) {
  const UChar32 first = cluster.char32At(0);
  const bool pictographic = u_hasBinaryProperty(first, UCHAR_EXTENDED_PICTOGRAPHIC) ||
                            u_hasBinaryProperty(first, UCHAR_REGIONAL_INDICATOR);
  if (pictographic && !light(first)) return true;
  if (cluster.countChar32() < 2) return false;
  for (int32_t i = cluster.moveIndex32(0, 1); i < cluster.length(); i = cluster.moveIndex32(i, 1)) {
    const UChar32 cp = cluster.char32At(i);
    if (cp == 0xFE0F || cp == 0x20E3 || cp == 0x200D ||
        u_hasBinaryProperty(cp, UCHAR_EMOJI_MODIFIER)) {
      return pictographic || u_hasBinaryProperty(first, UCHAR_EMOJI);
    }
  }
  return false;
}

std::size_t weigh_text(const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> clusters(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) return 2 * static_cast<std::size_t>(text.length());  // never under-count
  clusters->setText(text);
  std::size_t weight = 0;
  for (int32_t start = clusters->first(), end = clusters->next(); end != icu::BreakIterator::DONE;
       start = end, end = clusters->next()) {
    const icu::UnicodeString cluster(text, start, end - start);
    if (is_emoji_cluster(cluster)) {
      weight += 2;
      continue;
    }
    for (int32_t i = 0; i < cluster.length(); i = cluster.moveIndex32(i, 1)) {
      weight += light(cluster.char32At(i)) ? 1 : 2;
    }
  }
  return weight;
}

}  // namespace

std::size_t weighted_length(std::string_view utf8) {
  // Intake has already refused invalid UTF-8; should any reach here, weigh it as heavy
  // rather than under-count.
  if (text::first_invalid_utf8(utf8)) return 2 * utf8.size();
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  if (U_SUCCESS(status)) {
    icu::UnicodeString normalized = nfc->normalize(text, status);
    if (U_SUCCESS(status)) text = normalized;
  }
  std::u32string code_points(static_cast<std::size_t>(text.countChar32()), U'\0');
  status = U_ZERO_ERROR;
  text.toUTF32(reinterpret_cast<UChar32*>(code_points.data()),
               static_cast<int32_t>(code_points.size()), status);

  auto weigh_span = [&](std::size_t begin, std::size_t end) {
    if (begin >= end) return std::size_t{0};
    return weigh_text(
        icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(code_points.data() + begin),
                                      static_cast<int32_t>(end - begin)));
  };
  std::size_t weight = 0;
  std::size_t at = 0;
  for (const auto& url : find_urls(code_points)) {
    weight += weigh_span(at, url.begin) + url_weight;
    at = url.end;
  }
  return weight + weigh_span(at, code_points.size());
}

}  // namespace araldo::channels::x
