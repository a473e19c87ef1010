#include "daemon/workers.hpp"

#include <spdlog/spdlog.h>

namespace araldo {

void Workers::add(std::string name, Run run) {
  workers_.push_back({std::move(name), std::move(run), {}, {}, {}});
}

void Workers::add(std::string name, std::function<void()> start, std::function<void()> stop) {
  workers_.push_back({std::move(name), {}, std::move(start), std::move(stop), {}});
}

void Workers::start_all() {
  for (; started_ < workers_.size(); ++started_) {
    auto& w = workers_[started_];
    if (w.run) {
      w.thread = std::jthread(w.run);
    } else {
      w.start();
    }
    spdlog::debug("event=worker.started worker={}", w.name);
  }
}

void Workers::stop_all() {
  for (; started_ > 0; --started_) {
    auto& w = workers_[started_ - 1];
    if (w.run) {
      w.thread.request_stop();
      if (w.thread.joinable()) w.thread.join();
    } else {
      w.stop();
    }
    spdlog::debug("event=worker.stopped worker={}", w.name);
  }
}

}  // namespace araldo
