#pragma once
// The platforms' webhooks, at /webhooks/{channel}, without an API key: each platform's
// own authentication (WhatsApp's body signature, Telegram's secret token) is checked by
// the channel's plugin, in constant time. An accepted body is stored, items and all,
// before the 200, and applied later by the inbound worker: a burst is absorbed, and a
// duplicate or a replay changes nothing. A refusal is logged, counted, and audited in a
// summary per channel and minute (refusal_tally); it changes nothing else.
#include <functional>

#include "channels/registry.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/inbound/refusal_tally.hpp"
#include "daemon/inbound/replay_window.hpp"
#include "daemon/metrics/registry.hpp"
#include "daemon/store/database.hpp"

namespace araldo::inbound {

class WebhookApi {
 public:
  WebhookApi(store::Database& db, const channels::ChannelSet& channels, metrics::Registry& metrics,
             RefusalTally& refusals, ReplayWindow replay_window, std::function<void()> new_items);

  http::Response verify(const api::Call& call);   // GET: the subscription handshake
  http::Response receive(const api::Call& call);  // POST: notifications

 private:
  const channels::Inbound* inbound_of(const std::string& channel) const;
  // araldo_webhook_notifications_total, by the items' kind.
  void count_items(const std::string& channel, const std::vector<channels::InboundItem>& items,
                   const std::string& verdict);

  store::Database& db_;
  const channels::ChannelSet& channels_;
  metrics::Registry& metrics_;
  RefusalTally& refusals_;
  ReplayWindow replay_window_;
  std::function<void()> new_items_;
};

}  // namespace araldo::inbound
