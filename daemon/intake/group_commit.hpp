#pragma once
// Group commit at intake: concurrent POST /v1/alerts requests share one transaction.
// A request waits in a queue; a committer takes everything queued (up to a bound), writes
// it with one statement and commits once, and each request gets its own
// answer only after that commit. While one committer waits for its commit to reach the
// disk, another gathers the next batch, so no request waits for a timer.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::intake {

struct GroupCommitOptions {
  int committers = 2;
  std::size_t max_batch = 256;
  // A larger subscription channel is written after the commit (store::insert_alerts).
  long long inline_fanout_limit = store::default_inline_fanout_limit;
};

class GroupCommit {
 public:
  // `committed` runs after every commit that accepted something (wakes the dispatchers).
  GroupCommit(store::Database& db, GroupCommitOptions options, std::function<void()> committed);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Blocks until the batch holding `alert` has committed or failed. Throws what writing it
  // threw (DatabaseUnavailable, or an SQL error that was this alert's alone).
  store::InsertOutcome submit(const store::NewAlert& alert);

  // Answers everything queued, then stops the committers. Safe to call twice.
  void stop();

  // How many batches and alerts were written (counted before their callers are answered):
  // for tests and the benchmark's log line.
  struct Counts {
    long long batches = 0;
    long long alerts = 0;
  };
  Counts counts() const;
  // Requests waiting for a committer.
  std::size_t queued() const;

 private:
  struct Pending {
    const store::NewAlert* alert;
    std::promise<store::InsertOutcome> done;
  };
  void run();
  std::vector<Pending*> take_batch(std::unique_lock<std::mutex>& lock);
  void write(const std::vector<Pending*>& batch);

  store::Database& db_;
  GroupCommitOptions options_;
  std::function<void()> committed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  Counts counts_;
  std::vector<std::thread> threads_;
};

}  // namespace araldo::intake
