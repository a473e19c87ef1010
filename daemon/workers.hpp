#pragma once
// The daemon's long-running parts in one list: started in the order they were added,
// stopped in the reverse order, each one stopped (and its thread joined) before the next
// is asked. Add consumers first and producers last: at shutdown the intake then stops
// before the dispatcher, so nothing is accepted that nobody will send, and the sealer
// stops last, after the dispatcher's final writes.
#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace araldo {

class Workers {
 public:
  using Run = std::function<void(std::stop_token)>;

  Workers() = default;
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  ~Workers() { stop_all(); }

  // A worker on a thread of its own, running until its stop token is set.
  void add(std::string name, Run run);
  // A worker that calls `once` every `interval` on a thread of its own: an exception is
  // logged and the next round tries again (the database may be away for a while).
  void every(std::string name, std::chrono::milliseconds interval, std::function<void()> once);
  // A worker that manages its own threads (the HTTP server).
  void add(std::string name, std::function<void()> start, std::function<void()> stop);

  void start_all();
  // In the reverse order of start; safe to call twice.
  void stop_all();

 private:
  struct Worker {
    std::string name;
    Run run;                      // either this,
    std::function<void()> start;  // or these two
    std::function<void()> stop;
    std::jthread thread;
  };
  std::vector<Worker> workers_;
  std::size_t started_ = 0;
};

}  // namespace araldo
