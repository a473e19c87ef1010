#pragma once
// Applies what the platforms said, from the database: claims stored webhook and poll
// items (any daemon may; SKIP LOCKED gives each to one), records receipts, subscribes and
// unsubscribes citizens, then sends the confirmations those changes call for.
#include <condition_variable>
#include <mutex>
#include <stop_token>

#include "channels/registry.hpp"
#include "daemon/metrics/registry.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/inbound_store.hpp"

namespace araldo::inbound {

struct WorkerOptions {
  int batch = 500;
  std::chrono::seconds unmatched_retry{2};  // a receipt ahead of its send's record
  std::chrono::seconds unmatched_give_up{600};
  std::chrono::milliseconds idle_wait{1000};  // other daemons' items are found this often
  std::size_t answers_in_flight = 16;         // confirmations sent at once
};

class InboundWorker {
 public:
  InboundWorker(store::Database& db, const channels::ChannelSet& channels,
                metrics::Registry& metrics, const privacy::Pseudonyms& pseudonyms,
                WorkerOptions options = {});

  void notify();  // items were stored: look now
  void run(std::stop_token stop);
  // One batch, and its confirmations; the number of items processed.
  long long run_once();

 private:
  // Sends a batch's confirmations together, and audits each one's fate.
  void answer_all(const std::vector<store::PendingAnswer>& answers);

  store::Database& db_;
  const channels::ChannelSet& channels_;
  metrics::Registry& metrics_;
  const privacy::Pseudonyms& pseudonyms_;
  WorkerOptions options_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool pending_ = false;
};

}  // namespace araldo::inbound
