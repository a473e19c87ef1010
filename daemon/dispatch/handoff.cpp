#include "daemon/dispatch/handoff.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>
#include <utility>

namespace araldo::dispatch {

Handoff::Handoff() : wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Handoff::~Handoff() {
  close(wake_fd_);
}

void Handoff::hand_over(std::vector<delivery::ClaimedDelivery> claimed) {
  if (claimed.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (auto& d : claimed) {
      ++held_[d.channel];
      claimed_.push_back(std::move(d));
    }
  }
  if (wake_sender_) wake_sender_();
}

std::vector<delivery::ClaimedDelivery> Handoff::take_claimed() {
  std::lock_guard lock(mutex_);
  return std::exchange(claimed_, {});
}

void Handoff::report(delivery::AttemptRecord record) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = held_.find(record.channel); it != held_.end() && it->second > 0) --it->second;
    records_.push_back(std::move(record));
  }
  wake_store();
}

std::vector<delivery::AttemptRecord> Handoff::take_records() {
  std::lock_guard lock(mutex_);
  return std::exchange(records_, {});
}

void Handoff::wake_store() {
  const std::uint64_t one = 1;
  // A full counter already means "wake up": nothing is lost if this write fails.
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof(one));
}

void Handoff::drain_store_wakeups() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = read(wake_fd_, &count, sizeof(count));
}

int Handoff::held(const std::string& channel) const {
  std::lock_guard lock(mutex_);
  const auto it = held_.find(channel);
  return it == held_.end() ? 0 : it->second;
}

void Handoff::pause(const std::string& channel, Pause pause) {
  std::lock_guard lock(mutex_);
  auto& p = pauses_[channel];
  pause.until = std::max(pause.until, p.until);
  pause.stopped = pause.stopped || p.stopped;
  p = std::move(pause);
}

bool Handoff::recovered(const std::string& channel) {
  std::lock_guard lock(mutex_);
  const auto it = pauses_.find(channel);
  if (it == pauses_.end() || !it->second.stopped) return false;
  it->second.stopped = false;
  return true;
}

std::map<std::string, Handoff::Pause> Handoff::pauses() const {
  std::lock_guard lock(mutex_);
  return pauses_;
}

Handoff::Clock::duration Handoff::paused_for(const std::string& channel,
                                             Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto it = pauses_.find(channel);
  if (it == pauses_.end() || it->second.until <= now) return Clock::duration::zero();
  return it->second.until - now;
}

}  // namespace araldo::dispatch
