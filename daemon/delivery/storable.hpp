#pragma once
// A platform's answer made storable at the edge, before it reaches the store: whatever a
// platform sends back (a NUL, bytes that are not UTF-8, a 5 MB error page, an id of
// 10,000 characters) can never poison a write of the queue or the audit log.
//
// - Texts (error descriptions, reasons): NUL becomes U+FFFD like any byte that is not
//   UTF-8, and they are cut at a code point to max_reason_bytes, saying how much was cut.
// - Ids (a post's platform id, a chat's new address): 1 to max_id_bytes of
//   A-Z a-z 0-9 and - _ . : = + / (every id the four platforms give: numbers, Facebook's
//   page_post, WhatsApp's base64 wamid.…=). Anything else is refused:
//   a success with such an id fails its delivery, explained, and is not sent again.
#include <cstddef>
#include <string>
#include <string_view>

#include "channels/outcome.hpp"

namespace araldo::delivery {

inline constexpr std::size_t max_reason_bytes = 2048;
inline constexpr std::size_t max_id_bytes = 128;

// Valid UTF-8 without NUL, at most `max_bytes` bytes (plus the note of what was cut).
std::string storable_text(std::string_view raw, std::size_t max_bytes = max_reason_bytes);

bool is_storable_id(std::string_view id);

// The outcome with its texts made storable and its ids checked.
channels::Outcome storable(channels::Outcome outcome);

}  // namespace araldo::delivery
