#include "daemon/workers.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

namespace araldo {

void Workers::add(std::string name, Run run) {
  workers_.push_back({std::move(name), std::move(run), {}, {}, {}});
}

void Workers::every(std::string name, std::chrono::milliseconds interval,
                    std::function<void()> once) {
  add(name, [name, interval, once = std::move(once)](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any woken;
    while (!stop.stop_requested()) {
      try {
        once();
      } catch (const std::exception& e) {
        spdlog::error("event=worker.round_failed worker={} error=\"{}\"", name, e.what());
      }
      std::unique_lock lock(mutex);
      woken.wait_for(lock, stop, interval, [] { return false; });
    }
  });
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
