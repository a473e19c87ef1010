#include "daemon/intake/group_commit.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <set>
#include <utility>

namespace araldo::intake {

GroupCommit::GroupCommit(store::Database& db, GroupCommitOptions options,
                         std::function<void()> committed)
    : db_(db), options_(options), committed_(std::move(committed)) {
  for (int i = 0; i < std::max(1, options_.committers); ++i)
    threads_.emplace_back([this] { run(); });
}

GroupCommit::~GroupCommit() {
  stop();
}

void GroupCommit::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

GroupCommit::Counts GroupCommit::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

std::size_t GroupCommit::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

store::InsertOutcome GroupCommit::submit(const store::NewAlert& alert) {
  Pending pending{&alert, {}};
  auto result = pending.done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw store::DatabaseUnavailable("the daemon is shutting down");
    queue_.push_back(&pending);
  }
  wake_.notify_one();
  return result.get();
}

std::vector<GroupCommit::Pending*> GroupCommit::take_batch(std::unique_lock<std::mutex>& lock) {
  wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  std::vector<Pending*> batch;
  // One Idempotency-Key per batch: a repeat waits for the next batch, where it finds the
  // first one's key committed and is answered as a replay.
  std::set<std::pair<std::string, std::string>> keys;
  for (auto it = queue_.begin(); it != queue_.end() && batch.size() < options_.max_batch;) {
    const auto& a = *(*it)->alert;
    if (a.idempotency && !keys.emplace(a.actor, a.idempotency->key).second) {
      ++it;
      continue;
    }
    batch.push_back(*it);
    it = queue_.erase(it);
  }
  return batch;
}

void GroupCommit::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto batch = take_batch(lock);
    if (batch.empty()) {
      if (stopping_) return;
      continue;
    }
    if (!queue_.empty()) wake_.notify_one();  // more than one batch's worth: share it
    // Counted before anyone is answered, so a caller that has its answer sees its batch.
    ++counts_.batches;
    counts_.alerts += static_cast<long long>(batch.size());
    lock.unlock();
    write(batch);
    lock.lock();
  }
}

void GroupCommit::write(const std::vector<Pending*>& batch) {
  std::vector<const store::NewAlert*> alerts;
  alerts.reserve(batch.size());
  for (const auto* p : batch) alerts.push_back(p->alert);
  try {
    const auto outcomes = store::insert_alerts(db_, alerts, options_.inline_fanout_limit);
    // The dispatchers are woken before the requests are answered: an answered alert is
    // already on its way.
    const bool any = std::any_of(outcomes.begin(), outcomes.end(), [](const auto& o) {
      return o.refused == store::InsertOutcome::Refused::no;
    });
    if (any) committed_();
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(outcomes[i]);
  } catch (const store::DatabaseUnavailable&) {
    for (auto* p : batch) p->done.set_exception(std::current_exception());
  } catch (const std::exception& e) {
    if (batch.size() == 1) {
      batch.front()->done.set_exception(std::current_exception());
      return;
    }
    // An error that refusals do not cover (a constraint one alert breaks): write each
    // alert alone, so only the one at fault fails.
    // Its first line only: PostgreSQL's DETAIL line quotes the row (a subscriber's number).
    const std::string what = e.what();
    spdlog::warn("event=intake.batch_failed alerts={} error=\"{}\" action=one_by_one", batch.size(),
                 what.substr(0, what.find('\n')));
    for (auto* p : batch) write({p});
  }
}

}  // namespace araldo::intake
