#include "daemon/text/graphemes.hpp"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <memory>

#include "daemon/text/utf8.hpp"

namespace araldo::text {

std::vector<std::string_view> grapheme_clusters(std::string_view utf8) {
  if (first_invalid_utf8(utf8)) return {};
  UErrorCode status = U_ZERO_ERROR;
  // UText over the UTF-8 bytes: the break positions are byte offsets.
  UText* ut = utext_openUTF8(nullptr, utf8.data(), static_cast<int64_t>(utf8.size()), &status);
  std::unique_ptr<UText, decltype(&utext_close)> guard(ut, utext_close);
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) return {};
  it->setText(ut, status);
  if (U_FAILURE(status)) return {};
  std::vector<std::string_view> out;
  for (int32_t start = it->first(), end = it->next(); end != icu::BreakIterator::DONE;
       start = end, end = it->next()) {
    out.push_back(
        utf8.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
  }
  return out;
}

}  // namespace araldo::text
