#pragma once
// Send slots for a channel's rate, as the generic cell rate algorithm (GCRA) assigns them:
// one slot every 1/rate, and up to `burst` at once after an idle spell, which is exactly
// what a platform's token bucket of that size and rate accepts.
//
// Slots are granted ahead of time (up to `lookahead` past now) and each send is released
// at its own slot, so the rate no longer depends on how long one turn of the dispatcher
// takes: a turn shorter than the lookahead loses no capacity. The state is one time
// point (the theoretical arrival time), which is why it can live in one database row
// shared by several daemons.
#include <chrono>

namespace araldo::delivery {

using RateClock = std::chrono::microseconds;  // time since any fixed epoch

struct RateShape {
  double per_second = 1;
  double burst = 1;
  RateClock spacing() const;    // 1 / per_second
  RateClock tolerance() const;  // (burst - 1) * spacing: how early a slot may be used
};

struct SlotGrant {
  int count = 0;       // slots granted, at first, first + spacing, ...
  RateClock first{0};  // the earliest may lie before now: it is usable at once
  RateClock spacing{0};
  // The next free slot after `used` of them are taken: what to store as the new state.
  RateClock after(int used) const { return first + spacing * used; }
};

// Up to `wanted` slots, none later than now + lookahead. `next_free` is the stored state
// (the slot after the last one granted), or anything old for an idle channel.
SlotGrant grant_slots(RateClock next_free, RateClock now, const RateShape& shape,
                      RateClock lookahead, int wanted);

// What one sender's gate allows at once: the platform's burst less what the platform
// refills in a second, and never less than half of it (nor than one). A batch the gate
// releases together reaches the wire only when curl next runs, which a stalled send
// thread may put off until the next batches are released: they then arrive together, and
// still fit the platform's bucket as long as the stall is shorter than a second or than
// half a burst's worth of spacing. A slow platform keeps almost its whole burst: X's 10
// at once become 9, not 5, which cost posts 6 to 10 of a burst up to 45 s. (With a
// burst of 1 there is nothing to keep: such a channel relies on the platform's own
// tolerance.)
RateShape catch_up_shape(RateShape platform);

// The same algorithm, in memory, for one sender: whether a send may go at `now`, and if
// not, when. It keeps the granted slots from going out all at once if the process was
// starved of CPU past several of them. The sender builds it from catch_up_shape().
class RateGate {
 public:
  explicit RateGate(RateShape shape) : shape_(shape) {}
  // The earliest time a send conforms (now, if it already does).
  RateClock next_conforming(RateClock now) const;
  // Takes one send at `now`; call only when next_conforming(now) <= now.
  void take(RateClock now);

 private:
  RateShape shape_;
  RateClock next_free_{RateClock::min() / 2};
};

}  // namespace araldo::delivery
