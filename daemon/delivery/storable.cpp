#include "daemon/delivery/storable.hpp"

#include <algorithm>

#include "daemon/text/utf8.hpp"

namespace araldo::delivery {
namespace {

// A short, always-storable description of an id that is not storable.
std::string describe_bad_id(std::string_view id) {
  return std::to_string(id.size()) + " bytes, starting \"" +
         storable_text(id.substr(0, std::min<std::size_t>(id.size(), 32)), 64) + "\"";
}

}  // namespace

std::string storable_text(std::string_view raw, std::size_t max_bytes) {
  std::string text = text::valid_utf8(raw);
  // U+FFFD for NUL, as for any byte PostgreSQL cannot keep in text or jsonb.
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  for (const char c : text) {
    if (c == '\0') {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes;
  // Back up to the start of a code point (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  const auto dropped = out.size() - cut;
  out.resize(cut);
  out += "… (" + std::to_string(dropped) + " more bytes not kept)";
  return out;
}

bool is_storable_id(std::string_view id) {
  if (id.empty() || id.size() > max_id_bytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '=' || c == '+' || c == '/';
  });
}

channels::Outcome storable(channels::Outcome o) {
  o.reason = storable_text(o.reason);
  if (!o.platform_id.empty() && !is_storable_id(o.platform_id)) {
    // It may be published; sending again could publish it twice.
    return channels::Outcome::permanent(
        "the platform answered success with an id that cannot be an id (" +
        describe_bad_id(o.platform_id) +
        "): the post may be published; not sent again, so as not to publish it twice");
  }
  if (o.moved_to && !is_storable_id(*o.moved_to)) {
    return channels::Outcome::permanent("the platform named a new address that cannot be one (" +
                                        describe_bad_id(*o.moved_to) + "): " + o.reason);
  }
  return o;
}

}  // namespace araldo::delivery
