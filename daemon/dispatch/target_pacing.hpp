#pragma once
// Per-target pacing: the platforms limit how often one recipient may be written to
// (Telegram's one message per second per chat, WhatsApp's pair rate of one message every
// 6 s to the same number), on top of the channel's own rate.
//
// Each delivery takes the target's next free slot when it is first seen, in the order
// they are claimed (by priority, then acceptance). One whose slot is too far off to hold
// its lease until then (more than `max_hold` after its claim) is handed back to the
// queue, due at that slot, which stays its own: when it is claimed again it is sent then,
// and nothing claimed after it took the slot meanwhile. So a backlog to one target goes
// out in order, about once per interval, neither all at once (where all but one would be
// handed back again) nor held in memory past its lease (where this or another daemon
// would claim it a second time).
#include <chrono>
#include <map>
#include <string>
#include <utility>

namespace araldo::dispatch {

class TargetPacing {
 public:
  using Clock = std::chrono::steady_clock;
  using Target = std::pair<std::string, std::string>;  // channel, address

  struct Waiting {
    Clock::time_point claimed_at;
    bool has_slot = false;  // took its place in the target's line already
    long long delivery_id = 0;
  };
  enum class Action { send, wait, hand_back };
  struct Decision {
    Action action;
    Clock::time_point at;  // wait: until then; hand_back: due again then
  };

  explicit TargetPacing(Clock::duration max_hold) : max_hold_(max_hold) {}

  // What to do now with a delivery to `target`, which may be written to once per
  // `interval`. Updates `waiting.has_slot`.
  Decision place(const Target& target, Clock::duration interval, Clock::time_point now,
                 Waiting& waiting);
  // A message went to `target` at `now`.
  void sent(const Target& target, Clock::duration interval, Clock::time_point now);
  // The platform asked for nothing more to `target` before `until`.
  void hold_until(const Target& target, Clock::time_point until);
  // Forgets targets with nothing ahead of `now`, so the map holds busy targets only, not
  // every subscriber ever written to.
  void forget_idle(Clock::time_point now);
  std::size_t size() const { return targets_.size(); }

 private:
  struct Line {
    Clock::time_point next_slot;   // after every slot taken, held here or handed back
    Clock::time_point not_before;  // last send + interval, or the platform's hold
    std::map<long long, Clock::time_point> handed_back;  // delivery id → its slot
  };
  Clock::time_point take_slot(Line& line, Clock::duration interval, Clock::time_point now);

  Clock::duration max_hold_;
  std::map<Target, Line> targets_;
};

}  // namespace araldo::dispatch
