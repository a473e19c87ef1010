#include "daemon/inbound/replay_window.hpp"

namespace araldo::inbound {

ReplayWindow read_replay_window(config::Section& section) {
  ReplayWindow w;
  w.length = std::chrono::hours(24 * section.integer("replay_window_days", 7, 1, 365));
  section.reject_unknown_keys();
  return w;
}

Screened screen_replays(std::vector<channels::InboundItem> items, long long now_unix,
                        const ReplayWindow& window) {
  Screened out;
  const long long oldest = now_unix - window.length.count();
  for (auto& item : items) {
    auto& into = item.at && *item.at < oldest ? out.too_old : out.fresh;
    into.push_back(std::move(item));
  }
  return out;
}

}  // namespace araldo::inbound
