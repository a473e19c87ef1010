// The daemon's workers start in the order given and stop in the reverse order, each
// stopped before the next is asked: the order the shutdown's guarantees rest on.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daemon/workers.hpp"

namespace {

class Journal {
 public:
  void add(std::string e) {
    std::lock_guard lock(m_);
    events_.push_back(std::move(e));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(m_);
    return events_;
  }

 private:
  std::mutex m_;
  std::vector<std::string> events_;
};

}  // namespace

TEST(Workers, StartInOrderAndStopInReverseEachFinishedBeforeTheNext) {
  Journal journal;
  {
    araldo::Workers workers;
    for (const std::string name : {"sealer", "dispatcher"}) {
      workers.add(name, [&journal, name](std::stop_token st) {
        journal.add("run " + name);
        while (!st.stop_requested()) std::this_thread::yield();
        journal.add("end " + name);
      });
    }
    for (const std::string name : {"http", "schedules"}) {
      workers.add(
          name, [&journal, name] { journal.add("start " + name); },
          [&journal, name] { journal.add("stop " + name); });
    }
    workers.start_all();
    while (journal.events().size() < 4) std::this_thread::yield();  // both threads run
    std::vector<std::string> starts;
    for (const auto& e : journal.events()) {
      if (e.starts_with("start ")) starts.push_back(e);
    }
    EXPECT_EQ(starts, (std::vector<std::string>{"start http", "start schedules"}));

    workers.stop_all();
    const auto events = journal.events();
    ASSERT_EQ(events.size(), 8u);
    EXPECT_EQ(
        std::vector<std::string>(events.begin() + 4, events.end()),
        (std::vector<std::string>{"stop schedules", "stop http", "end dispatcher", "end sealer"}));
    workers.stop_all();  // twice: nothing more happens
  }
  EXPECT_EQ(journal.events().size(), 8u);  // nor at destruction
}

// A round that throws is logged and the next round still comes: a sweep whose database
// is away for a while resumes when it is back.
TEST(Workers, AThrowingRoundDoesNotStopTheRoundsAfterIt) {
  std::atomic<int> rounds{0};
  araldo::Workers workers;
  workers.every("flaky", std::chrono::milliseconds(1), [&] {
    if (++rounds <= 2) throw std::runtime_error("database away");
  });
  workers.start_all();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (rounds < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  workers.stop_all();
  EXPECT_GE(rounds.load(), 4);
}
