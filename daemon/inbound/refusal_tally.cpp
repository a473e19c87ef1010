#include "daemon/inbound/refusal_tally.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <vector>

#include "daemon/store/inbound_store.hpp"

namespace araldo::inbound {

void RefusalTally::count(const std::string& channel, const std::string& verdict) {
  const auto now = Clock::now();
  const auto from = now - (now.time_since_epoch() % window_);  // the window's start
  std::lock_guard lock(mutex_);
  ++counts_[{channel, from}][verdict];
}

int RefusalTally::flush(bool everything) {
  std::vector<store::RefusedWebhooks> due;
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    for (auto it = counts_.begin(); it != counts_.end();) {
      if (everything || it->first.from + window_ <= now) {
        due.push_back(
            {it->first.channel, it->first.from, it->first.from + window_, std::move(it->second)});
        it = counts_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (due.empty()) return 0;
  try {
    store::audit_refused_webhooks(db_, due);
  } catch (const std::exception& e) {
    // Kept for the next try, added to whatever came since.
    spdlog::error("event=webhook.refusal_summary_failed windows={} error=\"{}\"", due.size(),
                  e.what());
    std::lock_guard lock(mutex_);
    for (auto& d : due) {
      auto& kept = counts_[{d.channel, d.from}];
      for (const auto& [verdict, n] : d.verdicts) kept[verdict] += n;
    }
    return 0;
  }
  return static_cast<int>(due.size());
}

void RefusalTally::run(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any woken;
  while (!stop.stop_requested()) {
    flush();
    std::unique_lock lock(m);
    woken.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  }
  flush(true);
}

}  // namespace araldo::inbound
