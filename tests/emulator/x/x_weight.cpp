#include "tests/emulator/x/x_weight.hpp"

#include <unicode/normalizer2.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace araldo::emulator::x {
namespace {

constexpr const char* kPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";

// The ICANN section's top-level domains, longest first so the alternation prefers them.
std::string tld_alternation() {
  std::ifstream in(kPublicSuffixList);
  if (!in) throw std::runtime_error(std::string("cannot read ") + kPublicSuffixList);
  std::vector<std::string> tlds;
  bool icann = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("===BEGIN ICANN DOMAINS===") != std::string::npos) icann = true;
    if (line.find("===END ICANN DOMAINS===") != std::string::npos) icann = false;
    if (!icann || line.empty() || line.starts_with("//") ||
        line.find_first_of(".!* \t") != std::string::npos) {
      continue;
    }
    tlds.push_back(line);
  }
  std::sort(tlds.begin(), tlds.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::string out;
  for (const auto& t : tlds) out += (out.empty() ? "" : "|") + t;
  return out;
}

struct Patterns {
  std::unique_ptr<icu::RegexPattern> url;
  std::unique_ptr<icu::RegexPattern> ascii_domain;
  std::unique_ptr<icu::RegexPattern> emoji;
};

std::unique_ptr<icu::RegexPattern> compile(const std::string& source, uint32_t flags) {
  UParseError where;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexPattern> p(
      icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(source), flags, where, status));
  if (U_FAILURE(status)) {
    throw std::runtime_error("emulator: bad X regex at offset " + std::to_string(where.offset));
  }
  return p;
}

const Patterns& patterns() {
  static const Patterns p = [] {
    const std::string spaces =
        R"(\x{09}-\x{0D}\x{20}\x{85}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
    const std::string invalid = R"(\x{FFFE}\x{FEFF}\x{FFFF})";
    const std::string directional = R"(\x{061C}\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069})";
    const std::string punct = R"(!'#%&()*+,\\\-./:;<=>?@\[\]\^_{|}~$)";
    const std::string latin =
        R"(\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{FF}\x{100}-\x{24F}\x{253}\x{254}\x{256}\x{257}\x{259}\x{25B}\x{263}\x{268}\x{26F}\x{272}\x{289}\x{28B}\x{2BB}\x{300}-\x{36F}\x{1E00}-\x{1EFF})";
    const std::string domain_chars = "[^" + punct + spaces + invalid + directional + "]";
    const std::string subdomain =
        "(?:(?:" + domain_chars + "(?:[_-]|" + domain_chars + ")*)?" + domain_chars + "\\.)";
    const std::string domain_name =
        "(?:(?:" + domain_chars + "(?:-|" + domain_chars + ")*)?" + domain_chars + "\\.)";
    const std::string tld = "(?:(?:" + tld_alternation() + "|xn--[0-9a-z-]+)(?=[^0-9a-z@+-]|$))";
    const std::string domain = "(?:" + subdomain + "*" + domain_name + tld + ")";
    const std::string path_chars =
        R"([a-z\x{400}-\x{4FF}0-9!*';:=+,.$/%#\[\]\-\x{2013}_~|&@)" + latin + "]";
    const std::string parens = "\\((?:" + path_chars + "+|(?:" + path_chars + "*\\(" + path_chars +
                               "+\\)" + path_chars + "*))\\)";
    const std::string path_end =
        R"((?:[+\-a-z\x{400}-\x{4FF}0-9=_#/)" + latin + "]|" + parens + ")";
    const std::string path = "(?:(?:" + path_chars + "*(?:" + parens + path_chars + "*)*" +
                             path_end + ")|(?:@" + path_chars + "+/))";
    const std::string query = R"((?:\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]))";
    // Groups: 1 preceding character, 2 URL, 3 protocol, 4 domain, 5 path.
    const std::string url = "((?:[^a-z0-9@\\x{FF20}$#\\x{FF03}" + invalid + "]|[" + directional +
                            "]|^))((https?://)?(" + domain + ")(?::[0-9]+)?(/" + path + "*)?" +
                            query + "?)";
    const std::string ascii_domain = "(?:(?:[a-z0-9" + latin + "-]+)\\.)+" + tld;
    // An emoji: a flag, a keycap, or a pictograph with its modifiers and ZWJ sequence.
    const std::string emoji =
        R"(\p{Regional_Indicator}{2}|[0-9#*]\x{FE0F}?\x{20E3}|\p{Extended_Pictographic}(?:\x{FE0F}|\p{Emoji_Modifier})*(?:\x{200D}\p{Extended_Pictographic}(?:\x{FE0F}|\p{Emoji_Modifier})*)*)";
    return Patterns{compile(url, UREGEX_CASE_INSENSITIVE),
                    compile(ascii_domain, UREGEX_CASE_INSENSITIVE), compile(emoji, 0)};
  }();
  return p;
}

bool light(UChar32 c) {
  return c <= 0x10FF || (c >= 0x2000 && c <= 0x200D) || (c >= 0x2010 && c <= 0x201F) ||
         (c >= 0x2032 && c <= 0x2037);
}

// Weighs text with no URL in it: emoji sequences 2 when dressed or heavy, else by range.
std::size_t weigh_plain(const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(patterns().emoji->matcher(text, status));
  std::size_t weight = 0;
  int32_t at = 0;
  auto by_range = [&](int32_t from, int32_t to) {
    for (int32_t i = from; i < to; i = text.moveIndex32(i, 1))
      weight += light(text.char32At(i)) ? 1 : 2;
  };
  while (m->find(status) && U_SUCCESS(status)) {
    const int32_t s = m->start(status);
    const int32_t e = m->end(status);
    by_range(at, s);
    const bool dressed = text.countChar32(s, e - s) > 1;
    if (dressed || !light(text.char32At(s))) {
      weight += 2;
    } else {
      by_range(s, e);  // a bare light pictograph such as © is text
    }
    at = e;
  }
  by_range(at, text.length());
  return weight;
}

}  // namespace

std::size_t weighted_length(std::string_view utf8) {
  static std::mutex mutex;  // ICU matchers are not shared across threads; keep it simple
  std::lock_guard lock(mutex);
  UErrorCode status = U_ZERO_ERROR;
  auto text = icu::Normalizer2::getNFCInstance(status)->normalize(
      icu::UnicodeString::fromUTF8(
          icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size()))),
      status);
  std::unique_ptr<icu::RegexMatcher> m(patterns().url->matcher(text, status));
  std::size_t weight = 0;
  int32_t at = 0;
  int32_t search_from = 0;
  while (m->find(search_from, status) && U_SUCCESS(status)) {
    const int32_t url_start = m->start(2, status);
    int32_t url_end = m->end(2, status);
    search_from = std::max(url_end, url_start + 1);
    const bool protocol = m->start(3, status) >= 0;
    if (!protocol) {
      // A bare domain: not after [-_./]; only its ASCII part counts; a two-label domain
      // on a country code (but .co and .tv) needs a path.
      const int32_t before = m->start(1, status);
      const icu::UnicodeString preceding =
          before < url_start ? icu::UnicodeString(text, before, url_start - before)
                             : icu::UnicodeString();
      if (preceding.length() > 0 &&
          icu::UnicodeString("-_./").indexOf(preceding.char32At(0)) >= 0) {
        continue;
      }
      const int32_t d0 = m->start(4, status);
      const int32_t d1 = m->end(4, status);
      const icu::UnicodeString domain(text, d0, d1 - d0);
      std::unique_ptr<icu::RegexMatcher> a(patterns().ascii_domain->matcher(domain, status));
      int32_t ascii_start = -1;
      int32_t ascii_end = -1;
      while (a->find(status) && U_SUCCESS(status)) {
        ascii_start = d0 + a->start(status);
        ascii_end = d0 + a->end(status);
      }
      if (ascii_start < 0) continue;
      const bool has_path = m->start(5, status) >= 0;
      const icu::UnicodeString ascii(text, ascii_start, ascii_end - ascii_start);
      const int32_t dot = ascii.lastIndexOf(u'.');
      const icu::UnicodeString top = ascii.tempSubString(dot + 1);
      const bool two_labels = ascii.indexOf(u'.') == dot;
      const bool country = top.length() == 2;
      const bool special = top.caseCompare(u"co", 0) == 0 || top.caseCompare(u"tv", 0) == 0;
      if (!has_path && two_labels && country && !special) continue;
      url_end = has_path ? url_end : ascii_end;
      weight += weigh_plain(icu::UnicodeString(text, at, ascii_start - at)) + 23;
      at = url_end;
      continue;
    }
    // With a protocol: a label over 63 characters is not a domain.
    const icu::UnicodeString domain(text, m->start(4, status),
                                    m->end(4, status) - m->start(4, status));
    bool long_label = false;
    for (int32_t from = 0; from < domain.length();) {
      int32_t dot = domain.indexOf(u'.', from);
      if (dot < 0) dot = domain.length();
      long_label = long_label || dot - from > 63;
      from = dot + 1;
    }
    if (long_label || url_end - url_start > 4096) continue;
    weight += weigh_plain(icu::UnicodeString(text, at, url_start - at)) + 23;
    at = url_end;
  }
  return weight + weigh_plain(icu::UnicodeString(text, at, text.length() - at));
}

}  // namespace araldo::emulator::x
