#pragma once
// Replays: an item the platform stamped longer ago than the window is refused at the door,
// counted, and never stored. The window (7 days by default) is longer than any platform's
// retry period (WhatsApp retries for up to 7 days, Telegram keeps updates for 24 hours),
// so a real retry is never refused, and inbound_items older than it need not be kept to
// recognise a replay.
#include <chrono>
#include <vector>

#include "channels/inbound/inbound.hpp"
#include "daemon/config/section.hpp"

namespace araldo::inbound {

struct ReplayWindow {
  std::chrono::seconds length{std::chrono::hours(24 * 7)};
};

// The top-level `inbound:` section of araldod.yaml: `replay_window_days` (1 to 365).
ReplayWindow read_replay_window(config::Section& section);

struct Screened {
  std::vector<channels::InboundItem> fresh;  // to store, in their order
  std::vector<channels::InboundItem> too_old;
};

// Items without a time pass: the platform gave nothing to judge them by.
Screened screen_replays(std::vector<channels::InboundItem> items, long long now_unix,
                        const ReplayWindow& window);

}  // namespace araldo::inbound
