#pragma once
// Group commit at intake: concurrent requests share transactions. A request joins the
// next batch; the batch's alerts are written each under its own savepoint and committed
// once, so one fsync serves them all. Each request gets its answer only after that
// commit, and an alert that is refused (no one to send to, an Idempotency-Key taken)
// fails alone without failing its neighbours.
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

struct IntakeRequest {
  model::Alert alert;
  std::vector<NewDelivery> deliveries;
  std::vector<SubscriberFanout> fanouts;
  std::string actor;
  std::optional<IdempotencyKey> idempotency;
};

class IntakeBatcher {
 public:
  // `committers` batches may be in flight at once, each of at most `max_batch` alerts.
  IntakeBatcher(Database& db, int committers = 2, int max_batch = 256);
  ~IntakeBatcher();  // commits what is queued, then stops
  IntakeBatcher(const IntakeBatcher&) = delete;
  IntakeBatcher& operator=(const IntakeBatcher&) = delete;

  // Blocks until the batch holding this alert has committed. Throws what insert_alert()
  // throws for this alert alone, or DatabaseUnavailable when the batch could not commit
  // (then none of its alerts was accepted).
  AcceptedAlert submit(IntakeRequest request);

  // Alerts waiting for the next batch (not yet taken by a committer).
  std::size_t queued() const;

 private:
  struct Pending {
    IntakeRequest request;
    std::promise<AcceptedAlert> done;
  };
  void commit_batches(std::stop_token stop);
  void commit(std::vector<Pending*>& batch);

  Database& db_;
  int max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable_any queued_;
  std::deque<Pending*> queue_;
  std::vector<std::jthread> committers_;
};

}  // namespace araldo::store
