#pragma once
// Long polling for channels configured to poll (Telegram getUpdates), and the start-up
// call that tells each platform where its webhooks go (setWebhook) or that polling takes
// over (deleteWebhook). One daemon polls a channel at a time, under a lease in the
// database; the stored offset moves only with the updates it confirms, in one transaction.
#include <functional>
#include <stop_token>
#include <string>

#include "channels/channel.hpp"
#include "daemon/inbound/replay_window.hpp"
#include "daemon/metrics/registry.hpp"
#include "daemon/store/database.hpp"

namespace araldo::inbound {

// setWebhook / deleteWebhook for every channel that has something to say; failures are
// logged (the daemon still starts: sending does not depend on them).
void register_inbound(const std::vector<const channels::Channel*>& channels);

class UpdatePoller {
 public:
  UpdatePoller(store::Database& db, const channels::Channel& channel, std::string owner,
               metrics::Registry& metrics, ReplayWindow replay_window,
               std::function<void()> new_items);
  void run(std::stop_token stop);

 private:
  store::Database& db_;
  const channels::Channel& channel_;
  std::string owner_;
  metrics::Registry& metrics_;
  ReplayWindow replay_window_;
  std::function<void()> new_items_;
};

}  // namespace araldo::inbound
