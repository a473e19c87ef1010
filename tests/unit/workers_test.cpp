// The daemon's workers start in the order given and stop in the reverse order, each
// stopped before the next is asked: the order the shutdown's guarantees rest on.
#include <gtest/gtest.h>

#include <mutex>
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
