#include "daemon/dispatch/target_pacing.hpp"

#include <algorithm>

namespace araldo::dispatch {

TargetPacing::Decision TargetPacing::hand_back(Line& line, Clock::duration interval,
                                               Clock::time_point from) {
  const auto due = std::max(line.next_handed, from);
  line.next_handed = due + interval;
  return {Action::hand_back, due};
}

TargetPacing::Decision TargetPacing::place(const Target& target, Clock::duration interval,
                                           Clock::time_point now, Waiting& waiting) {
  auto& line = targets_[target];
  if (!waiting.has_slot) {
    const auto slot = std::max({line.next_slot, line.not_before, now});
    if (slot - waiting.claimed_at > max_hold_) return hand_back(line, interval, slot);
    line.next_slot = slot + interval;
    waiting.has_slot = true;
    if (slot > now) return {Action::wait, slot};
  }
  // Its slot has come; a late send before it or the platform may still hold it back.
  if (line.not_before > now) {
    if (line.not_before - waiting.claimed_at > max_hold_) {
      waiting.has_slot = false;
      return hand_back(line, interval, line.not_before);
    }
    return {Action::wait, line.not_before};
  }
  return {Action::send, now};
}

void TargetPacing::sent(const Target& target, Clock::duration interval, Clock::time_point now) {
  auto& line = targets_[target];
  line.not_before = std::max(line.not_before, now + interval);
  line.next_slot = std::max(line.next_slot, line.not_before);
}

void TargetPacing::hold_until(const Target& target, Clock::time_point until) {
  auto& line = targets_[target];
  line.not_before = std::max(line.not_before, until);
  line.next_slot = std::max(line.next_slot, until);
}

void TargetPacing::forget_idle(Clock::time_point now) {
  std::erase_if(targets_, [&](const auto& entry) {
    const auto& l = entry.second;
    return l.next_slot <= now && l.next_handed <= now && l.not_before <= now;
  });
}

}  // namespace araldo::dispatch
