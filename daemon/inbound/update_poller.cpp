#include "daemon/inbound/update_poller.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "daemon/inbound/exchange.hpp"
#include "daemon/store/inbound_store.hpp"

namespace araldo::inbound {
namespace {

void pause(std::stop_token stop, std::chrono::milliseconds d) {
  std::mutex m;
  std::unique_lock lock(m);
  std::condition_variable_any().wait_for(lock, stop, d, [] { return false; });
}

}  // namespace

void register_inbound(const std::vector<const channels::Channel*>& channels) {
  for (const auto* c : channels) {
    if (!c->inbound()) continue;
    const auto request = c->inbound()->registration();
    if (!request) continue;
    const auto outcome = c->classify(send_and_wait(*request, std::chrono::seconds(15)));
    if (outcome.kind == channels::Outcome::Kind::delivered) {
      spdlog::info("event=inbound.registered channel={} mode={}", c->name(),
                   c->inbound()->polls() ? "polling" : "webhook");
    } else {
      spdlog::error("event=inbound.registration_failed channel={} outcome={} reason=\"{}\"",
                    c->name(), channels::to_string(outcome.kind), outcome.reason);
    }
  }
}

UpdatePoller::UpdatePoller(store::Database& db, const channels::Channel& channel, std::string owner,
                           metrics::Registry& metrics, ReplayWindow replay_window,
                           std::function<void()> new_items)
    : db_(db),
      channel_(channel),
      owner_(std::move(owner)),
      metrics_(metrics),
      replay_window_(replay_window),
      new_items_(std::move(new_items)) {}

void UpdatePoller::run(std::stop_token stop) {
  const auto* inbound = channel_.inbound();
  const int timeout = 25;  // Telegram holds a long poll up to 50 s
  while (!stop.stop_requested()) {
    try {
      const auto offset =
          store::lease_polling(db_, channel_.name(), owner_, std::chrono::seconds(timeout + 30));
      if (!offset) {
        pause(stop, std::chrono::seconds(5));  // another daemon polls
        continue;
      }
      const auto answer =
          send_and_wait(inbound->poll(*offset, timeout), std::chrono::seconds(timeout + 15), stop);
      if (stop.stop_requested()) break;
      const auto* reply = std::get_if<channels::HttpReply>(&answer);
      if (!reply) {
        spdlog::warn("event=inbound.poll_failed channel={} error=\"{}\"", channel_.name(),
                     std::get<channels::TransportError>(answer).message);
        pause(stop, std::chrono::seconds(2));
        continue;
      }
      auto polled = inbound->polled(*reply);
      if (const auto* refused = std::get_if<channels::Refusal>(&polled)) {
        metrics_.inc(
            "araldo_webhook_notifications_total",
            {{"channel", channel_.name()}, {"kind", "poll"}, {"verdict", refused->verdict}});
        spdlog::warn("event=inbound.poll_refused channel={} status={} detail=\"{}\"",
                     channel_.name(), refused->status, refused->detail);
        pause(stop, std::chrono::seconds(5));
        continue;
      }
      const auto& items = std::get<std::vector<channels::InboundItem>>(polled);
      if (items.empty()) continue;
      long long next = *offset;
      for (const auto& i : items) {
        if (i.sequence) next = std::max(next, *i.sequence + 1);
      }
      // Too old: skipped, and the offset moves past them all the same.
      const auto screened = screen_replays(items,
                                           std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count(),
                                           replay_window_);
      if (!screened.too_old.empty()) {
        metrics_.inc("araldo_webhook_notifications_total",
                     {{"channel", channel_.name()}, {"kind", "update"}, {"verdict", "too_old"}},
                     static_cast<double>(screened.too_old.size()));
        spdlog::warn("event=inbound.replay_refused channel={} items={}", channel_.name(),
                     screened.too_old.size());
      }
      // The items and the new offset together: a crash re-polls, and duplicates are no-ops.
      const auto stored =
          store::store_polled(db_, channel_.name(), reply->body, screened.fresh, next);
      metrics_.inc("araldo_webhook_notifications_total",
                   {{"channel", channel_.name()}, {"kind", "update"}, {"verdict", "accepted"}},
                   static_cast<double>(screened.fresh.size()));
      if (stored.fresh > 0) new_items_();
    } catch (const std::exception& e) {
      spdlog::error("event=inbound.poll_failed channel={} error=\"{}\"", channel_.name(), e.what());
      pause(stop, std::chrono::seconds(2));
    }
  }
}

}  // namespace araldo::inbound
