#pragma once
// Long Telegram messages become ordered parts of at most 4096 characters, cut at
// paragraph breaks outside any tag, so every part is valid HTML on its own (cutting
// rendered HTML mid-tag is how Alertmanager loses alerts: shared/platforms.md).
#include <string_view>

#include "channels/channel.hpp"

namespace araldo::channels::telegram {

constexpr int max_parts = 10;

Split split_message(std::string_view html, std::size_t limit);

}  // namespace araldo::channels::telegram
