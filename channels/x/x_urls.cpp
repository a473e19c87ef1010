#include "channels/x/x_urls.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>

#include "daemon/text/utf8.hpp"

namespace araldo::channels::x {
namespace {

bool in(char32_t c, std::u32string_view set) {
  return set.find(c) != std::u32string_view::npos;
}
bool ascii_alnum(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool latin_accent(char32_t c) {
  return (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x24F) ||
         in(c, U"\u0253\u0254\u0256\u0257\u0259\u025B\u0263\u0268\u026F\u0272\u0289\u028B\u02BB") ||
         (c >= 0x300 && c <= 0x36F) || (c >= 0x1E00 && c <= 0x1EFF);
}
bool cyrillic(char32_t c) {
  return c >= 0x400 && c <= 0x4FF;
}
bool space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         c == 0x180E || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}
bool invalid(char32_t c) {
  return c == 0xFFFE || c == 0xFEFF || c == 0xFFFF;
}
bool directional(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}
bool punct(char32_t c) {
  return in(c, U"!'#%&()*+,\\-./:;<=>?@[]^_{|}~$");
}
bool domain_char(char32_t c) {
  return !punct(c) && !space(c) && !invalid(c) && !directional(c);
}
bool ascii_domain_char(char32_t c) {
  return ascii_alnum(c) || latin_accent(c);
}
bool path_char(char32_t c) {
  return ascii_alnum(c) || cyrillic(c) || latin_accent(c) || in(c, U"!*';:=+,.$/%#[]-_~|&@\u2013");
}
bool path_end_char(char32_t c) {
  return ascii_alnum(c) || cyrillic(c) || latin_accent(c) || in(c, U"+-=_#/");
}
bool query_char(char32_t c) {
  return ascii_alnum(c) || in(c, U"!?*'@();:&=+$/%#[]-_.,~|");
}
bool query_end_char(char32_t c) {
  return ascii_alnum(c) || in(c, U"-_&=#/");
}
char32_t lower(char32_t c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool known_tld(std::u32string_view candidate) {
  static const std::unordered_set<std::u32string> tlds = [] {
    std::unordered_set<std::u32string> out;
    for (auto tld : top_level_domains()) {
      // The list is UTF-8; decode it once.
      std::u32string wide;
      text::for_each_code_point(tld, [&](char32_t cp) { wide += cp; });
      out.insert(std::move(wide));
    }
    return out;
  }();
  std::u32string lowered(candidate);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
  if (lowered.starts_with(U"xn--") && lowered.size() > 4) {
    return std::all_of(lowered.begin() + 4, lowered.end(),
                       [](char32_t c) { return ascii_alnum(c) || c == '-'; });
  }
  return tlds.contains(lowered);
}

// A label's first and last characters are domain characters; `_` only in subdomains.
bool valid_label(std::u32string_view label, bool allow_underscore, bool ascii) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.front() == '_' ||
      label.back() == '-' || label.back() == '_') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [&](char32_t c) {
    if (c == '_') return allow_underscore;
    return c == '-' || (ascii ? ascii_domain_char(c) : domain_char(c));
  });
}

struct Domain {
  std::size_t end = 0;
  std::size_t labels = 0;  // before the top-level domain
  bool country_code = false;
  bool special_short = false;  // .co and .tv stand alone without a path
};

// The longest domain starting at `p`: labels ending in '.', then a known top-level domain
// that is not followed by [0-9a-zA-Z@+-]. Fewer labels are tried when the last run is not
// a top-level domain, as the extractor's backtracking does.
std::optional<Domain> read_domain(std::u32string_view t, std::size_t p, bool ascii) {
  auto label_char = [&](char32_t c) {
    return c == '-' || c == '_' || (ascii ? ascii_domain_char(c) : domain_char(c));
  };
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // [begin, end) of each run
  for (std::size_t q = p;;) {
    std::size_t e = q;
    while (e < t.size() && label_char(t[e])) ++e;
    runs.emplace_back(q, e);
    if (e < t.size() && t[e] == '.' && e > q) {
      q = e + 1;
      continue;
    }
    break;
  }
  for (std::size_t k = runs.size() - 1; k >= 1; --k) {
    bool labels_ok = true;
    for (std::size_t i = 0; i < k && labels_ok; ++i) {
      const auto label = t.substr(runs[i].first, runs[i].second - runs[i].first);
      labels_ok = valid_label(label, !ascii && i + 1 < k, ascii);
    }
    if (labels_ok) {
      const auto [b, e] = runs[k];
      for (std::size_t len = std::min<std::size_t>(e - b, 63); len >= 1; --len) {
        const std::size_t after = b + len;
        if (after < t.size() &&
            (ascii_alnum(t[after]) || t[after] == '@' || t[after] == '+' || t[after] == '-')) {
          continue;
        }
        const auto tld = t.substr(b, len);
        if (!known_tld(tld)) continue;
        const bool cc = len == 2 && ascii_alnum(tld[0]) && ascii_alnum(tld[1]);
        const bool special = cc && ((lower(tld[0]) == 'c' && lower(tld[1]) == 'o') ||
                                    (lower(tld[0]) == 't' && lower(tld[1]) == 'v'));
        return Domain{after, k, cc, special};
      }
    }
    if (k == 1) break;
  }
  return std::nullopt;
}

// The end of a path starting at the '/' at `p`: the last position after a path-ending
// character or a balanced parenthesis group (one level of nesting), so a URL never ends
// on '.', ',', '!' and the like.
std::size_t read_path(std::u32string_view t, std::size_t p) {
  std::size_t end = p + 1;
  for (std::size_t j = p + 1; j < t.size();) {
    if (t[j] == '(') {
      std::size_t k = j + 1;
      int depth = 1;
      bool inner = false;
      while (k < t.size() && depth > 0) {
        if (t[k] == '(' && depth == 1 && !inner) {
          depth = 2;
          inner = true;
        } else if (t[k] == ')') {
          --depth;
        } else if (!path_char(t[k])) {
          break;
        }
        ++k;
      }
      if (depth != 0 || k == j + 2) break;  // unbalanced, or "()"
      j = k;
      end = j;
    } else if (path_char(t[j])) {
      if (path_end_char(t[j])) end = j + 1;
      ++j;
    } else {
      break;
    }
  }
  return end;
}

std::size_t read_query(std::u32string_view t, std::size_t p) {
  std::size_t end = p;
  for (std::size_t j = p + 1; j < t.size() && query_char(t[j]); ++j) {
    if (query_end_char(t[j])) end = j + 1;
  }
  return end;
}

bool protocol_at(std::u32string_view t, std::size_t i, std::size_t& after) {
  static constexpr std::u32string_view http = U"http";
  if (t.size() - i < 7) return false;
  for (std::size_t k = 0; k < 4; ++k) {
    if (lower(t[i + k]) != http[k]) return false;
  }
  std::size_t j = i + 4;
  if (lower(t[j]) == 's') ++j;
  if (t.substr(j, 3) != U"://") return false;
  after = j + 3;
  return true;
}

bool preceding_ok(std::u32string_view t, std::size_t i) {
  if (i == 0) return true;
  const char32_t c = t[i - 1];
  if (directional(c)) return true;
  return !ascii_alnum(c) && !in(c, U"@\uFF20$#\uFF03") && !invalid(c);
}

}  // namespace

std::vector<UrlSpan> find_urls(std::u32string_view t) {
  constexpr std::size_t max_url_length = 4096;
  std::vector<UrlSpan> out;
  for (std::size_t i = 0; i < t.size();) {
    std::size_t after_protocol = 0;
    const bool protocol = preceding_ok(t, i) && protocol_at(t, i, after_protocol);
    // A bare domain starts an ASCII run, not after [-_./] (so "ftp://x.com" is not one).
    const bool bare = !protocol && ascii_domain_char(t[i]) &&
                      (i == 0 || (!ascii_domain_char(t[i - 1]) && t[i - 1] != '-')) &&
                      (i == 0 || !in(t[i - 1], U"-_./@\uFF20$#\uFF03"));
    if (!protocol && !bare) {
      ++i;
      continue;
    }
    const auto domain = read_domain(t, protocol ? after_protocol : i, !protocol);
    if (!domain) {
      ++i;
      continue;
    }
    std::size_t end = domain->end;
    if (end + 1 < t.size() && t[end] == ':' && ascii_alnum(t[end + 1]) && t[end + 1] <= '9') {
      ++end;
      while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
    }
    const bool has_path = end < t.size() && t[end] == '/';
    if (has_path) end = read_path(t, end);
    if (end < t.size() && t[end] == '?') end = read_query(t, end);
    const bool short_bare = !protocol && !has_path && domain->labels == 1 && domain->country_code &&
                            !domain->special_short;
    if (short_bare || end - i > max_url_length) {
      i = domain->end;
      continue;
    }
    out.push_back({i, end});
    i = end;
  }
  return out;
}

}  // namespace araldo::channels::x
