#include "tests/emulator/emulator_state.hpp"

#include <boost/json.hpp>

namespace araldo::emulator {

long long unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void EmulatorState::record(const std::string& platform, boost::json::object message,
                           std::chrono::steady_clock::time_point received_at) {
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - received_at);
  std::lock_guard lock(mutex_);
  message["received_at_ms"] = unix_millis() - std::max<long long>(0, age.count());
  messages_[platform].push_back(std::move(message));
}

boost::json::array EmulatorState::messages(const std::string& platform) const {
  std::lock_guard lock(mutex_);
  auto it = messages_.find(platform);
  return it == messages_.end() ? boost::json::array{} : it->second;
}

void EmulatorState::clear_messages() {
  std::lock_guard lock(mutex_);
  messages_.clear();
  answers_.clear();
}

void EmulatorState::add_fault(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

void EmulatorState::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear();
}

std::optional<Fault> EmulatorState::take_fault(const std::string& platform) {
  std::lock_guard lock(mutex_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->platform != "*" && it->platform != platform) continue;
    if (it->skip > 0) {
      --it->skip;
      return std::nullopt;
    }
    Fault f = *it;
    if (it->remaining > 0 && --it->remaining == 0) faults_.erase(it);
    return f;
  }
  return std::nullopt;
}

http::Response EmulatorState::answer(
    const std::string& platform, const std::function<http::Response(const Fault&)>& error_answer,
    const std::function<http::Response()>& real_answer) {
  const auto fault = take_fault(platform);
  http::Response response;
  if (fault && fault->drop) {
    response.drop_connection = true;
    count_answer(platform, 0);
    return response;
  }
  if (fault && fault->body) {
    response = http::Response::json(fault->status.value_or(200), *fault->body);
  } else {
    response = fault && fault->status ? error_answer(*fault) : real_answer();
  }
  if (fault) response.delay = fault->latency;
  count_answer(platform, response.status);
  return response;
}

void EmulatorState::revoke(const std::string& platform) {
  std::lock_guard lock(mutex_);
  revoked_.insert(platform);
}

bool EmulatorState::revoked(const std::string& platform) const {
  std::lock_guard lock(mutex_);
  return revoked_.contains(platform);
}

void EmulatorState::count_answer(const std::string& platform, int status) {
  std::lock_guard lock(mutex_);
  ++answers_[platform][status];
}

boost::json::object EmulatorState::stats() const {
  std::lock_guard lock(mutex_);
  boost::json::object out;
  for (const auto& [platform, by_status] : answers_) {
    boost::json::object counts;
    for (const auto& [status, n] : by_status) counts[std::to_string(status)] = n;
    out[platform] = std::move(counts);
  }
  return out;
}

}  // namespace araldo::emulator
