#pragma once
// X's side of the length rule, written for the emulator alone (never the daemon's
// weigher): twitter-text v3's own regular expressions, transcribed into ICU's regex
// syntax, find the URLs (23 each) and the emoji sequences (2 each); every other code
// point weighs 1 in U+0000-10FF, U+2000-200D, U+2010-201F, U+2032-2037, else 2. The
// top-level domains are read from the Public Suffix List at first use.
#include <cstddef>
#include <string_view>

namespace araldo::emulator::x {

constexpr std::size_t max_weighted_length = 280;

std::size_t weighted_length(std::string_view utf8);

}  // namespace araldo::emulator::x
