// Send slots under a channel's rate, on a fake clock: what the platform's own token
// bucket accepts, and no capacity lost when a turn of the dispatcher is slow.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "daemon/delivery/rate_slots.hpp"

using namespace araldo::delivery;
using namespace std::chrono;

namespace {

constexpr RateClock ms(long long n) {
  return duration_cast<RateClock>(milliseconds(n));
}

// The platform's side, written independently of rate_slots: a token bucket holding at
// most `burst`, refilled at `rate`. Returns how many sends it would have refused.
int refused_by_token_bucket(const std::vector<RateClock>& sends, double rate, double burst) {
  double tokens = burst;
  RateClock last = sends.empty() ? RateClock(0) : sends.front();
  int refused = 0;
  for (const auto t : sends) {
    tokens = std::min(burst, tokens + duration<double>(t - last).count() * rate);
    last = t;
    if (tokens >= 1.0 - 1e-9) {
      tokens -= 1.0;
    } else {
      ++refused;
    }
  }
  return refused;
}

// A dispatcher whose store thread claims once every `turn` (the database work) and
// whose send thread releases each claimed slot when it comes, on a 1 ms tick, behind
// its own RateGate. Returns the send times over `span`.
std::vector<RateClock> simulate(RateShape shape, RateClock lookahead, RateClock turn,
                                RateClock span) {
  RateClock next_free{0};
  RateGate gate(shape);
  std::vector<RateClock> held;  // slots claimed and not sent yet
  std::vector<RateClock> sent;
  const int stock =
      static_cast<int>(shape.per_second * duration<double>(lookahead).count() + shape.burst) + 1;
  RateClock next_turn{0};
  for (RateClock now{0}; now < span; now += ms(1)) {
    if (now >= next_turn) {
      const auto g =
          grant_slots(next_free, now, shape, lookahead, stock - static_cast<int>(held.size()));
      for (int i = 0; i < g.count; ++i) held.push_back(g.first + g.spacing * i);
      next_free = g.after(g.count);
      next_turn = now + turn;  // nothing else is claimed while the database works
      std::sort(held.begin(), held.end());
    }
    while (!held.empty() && held.front() <= now && gate.next_conforming(now) <= now) {
      gate.take(now);
      sent.push_back(now);
      held.erase(held.begin());
    }
  }
  return sent;
}

}  // namespace

TEST(RateSlots, AnIdleChannelGetsOneBurstAtOnceThenOneSlotPerInterval) {
  const RateShape shape{200, 10};  // 5 ms apart, 10 at once
  const auto now = ms(100'000);
  const auto g = grant_slots(RateClock(0), now, shape, ms(0), 100);
  EXPECT_EQ(g.count, 10);
  EXPECT_EQ(g.spacing, ms(5));
  EXPECT_EQ(g.after(g.count - 1), now);  // the burst's last slot is now
  // Right after, only the next interval's slot is free, and only once it comes.
  const auto next = grant_slots(g.after(g.count), now, shape, ms(0), 100);
  EXPECT_EQ(next.count, 0);
  EXPECT_EQ(grant_slots(g.after(g.count), now + ms(5), shape, ms(0), 100).count, 1);
}

TEST(RateSlots, LookaheadGrantsFutureSlotsAndNeverMoreThanWanted) {
  const RateShape shape{200, 10};
  const auto now = ms(100'000);
  const auto g = grant_slots(now, now, shape, ms(1000), 1000);
  EXPECT_EQ(g.count, 201);  // now, now + 5 ms, ..., now + 1000 ms
  EXPECT_EQ(g.after(200), now + ms(1000));
  EXPECT_EQ(grant_slots(now, now, shape, ms(1000), 7).count, 7);
  EXPECT_EQ(grant_slots(now + ms(2000), now, shape, ms(1000), 7).count, 0);
}

TEST(RateSlots, ASlowTurnNoLongerLosesCapacity) {
  const RateShape shape{200, 10};  // the burst covers 50 ms of the rate
  const auto span = ms(30'000);
  const double allowed = 200 * 30;
  // Every database turn takes 300 ms, six times the burst window.
  const auto ahead = simulate(shape, ms(1000), ms(300), span);
  EXPECT_GE(static_cast<double>(ahead.size()), 0.99 * allowed) << ahead.size();
  EXPECT_LE(static_cast<double>(ahead.size()), allowed + shape.burst);
  EXPECT_EQ(refused_by_token_bucket(ahead, 200, 10), 0);

  // Without the lookahead (slots taken only as they come, as the old token bucket did),
  // the same slow turn wastes most of the rate: one burst per turn.
  const auto at_turns = simulate(shape, ms(0), ms(300), span);
  EXPECT_LT(static_cast<double>(at_turns.size()), 0.25 * allowed) << at_turns.size();
  EXPECT_EQ(refused_by_token_bucket(at_turns, 200, 10), 0);
}

// How many sends the gate lets go at `now`, taking them.
int taken_at_once(RateGate& gate, RateClock now) {
  int n = 0;
  while (gate.next_conforming(now) <= now) {
    gate.take(now);
    ++n;
  }
  return n;
}

TEST(RateSlots, AStarvedSenderSendsAtMostOneBurstOfItsBacklog) {
  RateGate gate({200, 10});
  const auto now = ms(50'000);
  // Slots piled up for a second while the process had no CPU: ten go now, then one per
  // 5 ms, which is what the platform's bucket refilled meanwhile allows.
  const int at_once = taken_at_once(gate, now);
  EXPECT_EQ(at_once, 10);
  EXPECT_EQ(gate.next_conforming(now), now + ms(5));
}

namespace {

// A send thread with an endless backlog that the scheduler starves at random: each turn
// releases what its gate allows, and curl writes that batch only when the next turn
// begins (the worst a stall between release and write can do). Returns the write times,
// and in `running` the time the thread was not stalled.
std::vector<RateClock> writes_of_a_starved_sender(RateGate gate, unsigned seed,
                                                  RateClock* running = nullptr) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> stall_ms(1, 300);
  std::bernoulli_distribution stalls(0.005);
  std::vector<RateClock> writes;
  int batch = 0;  // released in the previous turn, written now
  for (RateClock now = ms(1'000); now < ms(61'000);) {
    writes.insert(writes.end(), batch, now);
    batch = 0;
    while (gate.next_conforming(now) <= now) {
      gate.take(now);
      ++batch;
    }
    const bool stalled = stalls(rng);
    if (!stalled && running) *running += ms(1);
    now += stalled ? ms(stall_ms(rng)) : ms(1);
  }
  return writes;
}

}  // namespace

TEST(RateSlots, AStallBetweenReleaseAndWriteStillFitsThePlatformsBucket) {
  const RateShape platform{200, 20};
  for (unsigned seed = 1; seed <= 20; ++seed) {
    RateClock running{0};
    const auto writes =
        writes_of_a_starved_sender(RateGate(catch_up_shape(platform)), seed, &running);
    EXPECT_EQ(refused_by_token_bucket(writes, 200, 20), 0) << "seed " << seed;
    // The rate is kept whenever the thread runs: a stall costs its own time, no more.
    EXPECT_GE(static_cast<double>(writes.size()), 200 * duration<double>(running).count())
        << "seed " << seed;
  }
  // The gate that allows the platform's whole burst at once is refused in the same case.
  int refused = 0;
  for (unsigned seed = 1; seed <= 20; ++seed) {
    refused +=
        refused_by_token_bucket(writes_of_a_starved_sender(RateGate(platform), seed), 200, 20);
  }
  EXPECT_GT(refused, 0);
}

TEST(RateSlots, TheCatchUpBurstKeepsASecondsRefillAndNeverFallsToZero) {
  // A fast platform refills its burst within a second: half of it is kept back.
  EXPECT_EQ(catch_up_shape({200, 20}).burst, 10);
  EXPECT_EQ(catch_up_shape({80, 80}).burst, 40);
  EXPECT_EQ(catch_up_shape({30, 30}).burst, 15);
  EXPECT_EQ(catch_up_shape({200, 3}).burst, 1);
  EXPECT_EQ(catch_up_shape({200, 1}).burst, 1);
  EXPECT_EQ(catch_up_shape({200, 20}).per_second, 200);
  // A slow one refills one slot a second or less: one is kept back.
  EXPECT_EQ(catch_up_shape({100.0 / 900.0, 10}).burst, 9);  // X
  EXPECT_EQ(catch_up_shape({1, 5}).burst, 4);               // Facebook
  EXPECT_EQ(catch_up_shape({1, 2}).burst, 1);
}

// X's shape (100 per 15 minutes, 10 at once): a send thread stalled as above still fits
// the platform's bucket, and nine of a burst go at once, not five.
TEST(RateSlots, ASlowPlatformsGateKeepsAlmostItsWholeBurst) {
  const RateShape platform{100.0 / 900.0, 10};
  RateGate gate(catch_up_shape(platform));
  const auto now = ms(50'000);
  const int at_once = taken_at_once(gate, now);
  EXPECT_EQ(at_once, 9);
  for (unsigned seed = 1; seed <= 20; ++seed) {
    const auto writes = writes_of_a_starved_sender(RateGate(catch_up_shape(platform)), seed);
    EXPECT_EQ(refused_by_token_bucket(writes, platform.per_second, platform.burst), 0)
        << "seed " << seed;
  }
}
