#include "daemon/dispatch/target_pacing.hpp"

#include <algorithm>

namespace araldo::dispatch {

TargetPacing::Clock::time_point TargetPacing::take_slot(Line& line, Clock::duration interval,
                                                        Clock::time_point now) {
  const auto slot = std::max({line.next_slot, line.not_before, now});
  line.next_slot = slot + interval;
  return slot;
}

TargetPacing::Decision TargetPacing::place(const Target& target, Clock::duration interval,
                                           Clock::time_point now, Waiting& waiting) {
  auto& line = targets_[target];
  if (!waiting.has_slot) {
    // Back from the queue: the slot it was handed back for is still its own.
    const auto kept = line.handed_back.find(waiting.delivery_id);
    Clock::time_point slot;
    if (kept != line.handed_back.end()) {
      slot = kept->second;
      line.handed_back.erase(kept);
    } else {
      slot = take_slot(line, interval, now);
    }
    if (slot - waiting.claimed_at > max_hold_) {
      line.handed_back[waiting.delivery_id] = slot;
      return {Action::hand_back, slot};
    }
    waiting.has_slot = true;
    if (slot > now) return {Action::wait, slot};
  }
  // Its slot has come; a late send before it or the platform may still hold it back.
  if (line.not_before > now) {
    if (line.not_before - waiting.claimed_at > max_hold_) {
      waiting.has_slot = false;
      const auto slot = take_slot(line, interval, now);
      line.handed_back[waiting.delivery_id] = slot;
      return {Action::hand_back, slot};
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
  // Slots handed back before `until` are still theirs; they wait for it when they return.
  auto& line = targets_[target];
  line.not_before = std::max(line.not_before, until);
  line.next_slot = std::max(line.next_slot, until);
}

void TargetPacing::forget_idle(Clock::time_point now) {
  std::erase_if(targets_, [&](const auto& entry) {
    const auto& l = entry.second;
    // Every slot handed back lies before next_slot: one that did not come back (sent by
    // another daemon, cancelled) is forgotten with its line.
    return l.next_slot <= now && l.not_before <= now;
  });
}

}  // namespace araldo::dispatch
