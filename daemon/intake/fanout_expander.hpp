#pragma once
// Writes the audiences accepted as rules (store/fanout_store.hpp) into deliveries, a
// chunk at a time, after the 202 and a little ahead of sending. Any daemon may: each
// chunk is taken by one.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>

#include "daemon/store/database.hpp"
#include "daemon/store/fanout_store.hpp"

namespace araldo::intake {

class FanoutExpander {
 public:
  // `wrote` runs after a chunk is committed (wakes the dispatchers).
  FanoutExpander(store::Database& db, store::FanoutOptions options,
                 const privacy::Pseudonyms& pseudonyms, std::function<void()> wrote);

  void notify();  // an alert was accepted: look now
  void run(std::stop_token stop);
  // Writes chunks until none may be written now; how many chunks were written.
  int run_once();

 private:
  store::Database& db_;
  store::FanoutOptions options_;
  const privacy::Pseudonyms& pseudonyms_;
  std::function<void()> wrote_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool pending_ = false;
  // Sending drains the window without telling anyone: looked at this often.
  static constexpr std::chrono::milliseconds idle_wait{200};
};

}  // namespace araldo::intake
