#include "daemon/store/intake_batcher.hpp"

#include <spdlog/spdlog.h>

namespace araldo::store {

IntakeBatcher::IntakeBatcher(Database& db, int committers, int max_batch)
    : db_(db), max_batch_(max_batch) {
  for (int i = 0; i < committers; ++i) {
    committers_.emplace_back([this](std::stop_token stop) { commit_batches(stop); });
  }
}

IntakeBatcher::~IntakeBatcher() {
  for (auto& t : committers_) t.request_stop();
  queued_.notify_all();
  committers_.clear();  // joins
}

AcceptedAlert IntakeBatcher::submit(IntakeRequest request) {
  Pending pending{std::move(request), {}};
  auto result = pending.done.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(&pending);
  }
  queued_.notify_one();
  return result.get();
}

std::size_t IntakeBatcher::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void IntakeBatcher::commit_batches(std::stop_token stop) {
  for (;;) {
    std::vector<Pending*> batch;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) return;  // stopped with nothing left to commit
      while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    commit(batch);
  }
}

void IntakeBatcher::commit(std::vector<Pending*>& batch) {
  std::vector<std::optional<AcceptedAlert>> accepted;
  std::vector<std::exception_ptr> refused;
  try {
    db_.with_connection([&](pqxx::connection& conn) {
      // Run again from scratch if a dead pooled connection was replaced: nothing committed.
      accepted.assign(batch.size(), std::nullopt);
      refused.assign(batch.size(), nullptr);
      pqxx::work tx(conn);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& r = batch[i]->request;
        try {
          pqxx::subtransaction alert(tx, "alert");
          // libpqxx 6 opens the savepoint on the first exec(), not on exec_params(): without
          // this, a refused alert's rows would stay in the batch.
          alert.exec("SELECT 1");
          accepted[i] =
              insert_alert_in(alert, r.alert, r.deliveries, r.fanouts, r.actor, r.idempotency);
          alert.commit();
        } catch (const pqxx::broken_connection&) {
          throw;  // the whole batch is lost: nothing of it committed
        } catch (const pqxx::in_doubt_error&) {
          throw;
        } catch (...) {
          // This alert alone: its savepoint is rolled back, its neighbours go on.
          refused[i] = std::current_exception();
        }
      }
      tx.commit();
    });
  } catch (...) {
    const auto failure = std::current_exception();
    for (auto* p : batch) p->done.set_exception(failure);
    return;
  }
  if (batch.size() > 1) spdlog::debug("event=intake.batch alerts={}", batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (refused[i]) {
      batch[i]->done.set_exception(refused[i]);
    } else {
      batch[i]->done.set_value(std::move(*accepted[i]));
    }
  }
}

}  // namespace araldo::store
