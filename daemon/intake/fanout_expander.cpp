#include "daemon/intake/fanout_expander.hpp"

#include <spdlog/spdlog.h>

namespace araldo::intake {

FanoutExpander::FanoutExpander(store::Database& db, store::FanoutOptions options,
                               const privacy::Pseudonyms& pseudonyms, std::function<void()> wrote)
    : db_(db), options_(options), pseudonyms_(pseudonyms), wrote_(std::move(wrote)) {}

void FanoutExpander::notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

int FanoutExpander::run_once() {
  int chunks = 0;
  while (const auto chunk = store::expand_fanout(db_, options_, pseudonyms_)) {
    ++chunks;
    if (chunk->subscribers > 0) wrote_();
    if (!chunk->outcome.empty()) {
      spdlog::info(
          "event=fanout.finished alert_id={} channel={} outcome={} written={} refused={} "
          "audience={}",
          chunk->alert_id, chunk->channel, chunk->outcome, chunk->written, chunk->refused,
          chunk->audience);
    } else {
      spdlog::debug("event=fanout.chunk alert_id={} channel={} subscribers={} written={}",
                    chunk->alert_id, chunk->channel, chunk->subscribers, chunk->written);
    }
  }
  return chunks;
}

void FanoutExpander::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {
      run_once();
    } catch (const std::exception& e) {
      // The database may be away: the rules are durable, the next round goes on.
      spdlog::error("event=fanout.round_failed error=\"{}\"", e.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, idle_wait, [&] { return pending_; });
    pending_ = false;
  }
}

}  // namespace araldo::intake
