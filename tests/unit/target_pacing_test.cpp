// Per-target pacing on a fake clock, with a simulated queue standing in for the database:
// a backlog to one recipient goes out one slot after another, in the order it came, each
// message once, none held in memory past half its lease, and none handed back twice.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "daemon/dispatch/target_pacing.hpp"

using namespace araldo::dispatch;
using namespace std::chrono;
using Clock = TargetPacing::Clock;

namespace {

const TargetPacing::Target chat{"whatsapp", "393330000001"};
constexpr auto pair_interval = seconds(6);  // WhatsApp's pair rate
constexpr auto lease = seconds(60);

struct Sent {
  int id;
  Clock::time_point at;
  Clock::time_point claimed_at;
};

// A send loop reduced to pacing: every 100 ms it claims up to 64 due deliveries from
// the queue, and releases what it holds as pacing decides.
struct Simulation {
  TargetPacing pacing{lease / 2};
  std::multimap<Clock::time_point, int> queue;  // due time → delivery id ("the database")
  struct Held {
    int id;
    TargetPacing::Waiting waiting;
  };
  std::multimap<Clock::time_point, Held> held;  // in memory, by release time
  std::vector<Sent> sent;
  std::map<int, int> handed_back;  // delivery id → times

  void run_until(Clock::time_point start, Clock::time_point end) {
    for (auto now = start; now < end; now += milliseconds(100)) {
      for (int n = 0; n < 64 && !queue.empty() && queue.begin()->first <= now; ++n) {
        const int id = queue.begin()->second;
        held.emplace(now, Held{id, {now, false, id}});
        queue.erase(queue.begin());
      }
      while (!held.empty() && held.begin()->first <= now) {
        auto node = held.extract(held.begin());
        const auto d = pacing.place(chat, pair_interval, now, node.mapped().waiting);
        if (d.action == TargetPacing::Action::hand_back) {
          queue.emplace(d.at, node.mapped().id);
          ++handed_back[node.mapped().id];
        } else if (d.action == TargetPacing::Action::wait) {
          ASSERT_GT(d.at, now);
          node.key() = d.at;
          held.insert(std::move(node));
        } else {
          pacing.sent(chat, pair_interval, now);
          sent.push_back({node.mapped().id, now, node.mapped().waiting.claimed_at});
        }
      }
    }
  }
};

}  // namespace

TEST(TargetPacing, ABacklogToOneRecipientGoesOutOnceAtEverySlotWithinItsLease) {
  Simulation sim;
  const Clock::time_point t0{hours(1)};
  constexpr int backlog = 150;
  for (int id = 0; id < backlog; ++id) sim.queue.emplace(t0, id);
  sim.run_until(t0, t0 + pair_interval * (backlog + 20));

  ASSERT_EQ(sim.sent.size(), static_cast<std::size_t>(backlog));
  std::map<int, int> times;
  for (const auto& s : sim.sent) ++times[s.id];
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << "delivery " << id;
  for (std::size_t i = 1; i < sim.sent.size(); ++i) {
    EXPECT_GE(sim.sent[i].at - sim.sent[i - 1].at, pair_interval) << "send " << i;
  }
  for (const auto& s : sim.sent) {
    // Sent while its lease (taken at its last claim) still had half its time left.
    EXPECT_LE(s.at - s.claimed_at, lease / 2) << "delivery " << s.id;
  }
  // No slot wasted: one send per interval, give or take the 100 ms claim period.
  EXPECT_LE(sim.sent.back().at - sim.sent.front().at,
            pair_interval * (backlog - 1) + milliseconds(100) * backlog);
  // Each handed back once at most: it comes back to its own slot.
  for (const auto& [id, n] : sim.handed_back) EXPECT_EQ(n, 1) << "delivery " << id;
  for (std::size_t i = 0; i < sim.sent.size(); ++i) {
    EXPECT_EQ(sim.sent[i].id, static_cast<int>(i)) << "send " << i;
  }
}

// One alert a second to the same recipient, each claimed as it comes: the backlog outgrows
// half a lease, so later ones are handed back. A delivery claimed after one was handed back
// must not take its slot: the messages go out in the order they came.
TEST(TargetPacing, DeliveriesClaimedOverTimeGoOutInTheOrderTheyCame) {
  Simulation sim;
  const Clock::time_point t0{hours(1)};
  constexpr int alerts = 40;
  for (int id = 0; id < alerts; ++id) sim.queue.emplace(t0 + seconds(id), id);
  sim.run_until(t0, t0 + pair_interval * (alerts + 20));

  ASSERT_EQ(sim.sent.size(), static_cast<std::size_t>(alerts));
  EXPECT_FALSE(sim.handed_back.empty());  // the case that let later ones overtake
  for (std::size_t i = 0; i < sim.sent.size(); ++i) {
    EXPECT_EQ(sim.sent[i].id, static_cast<int>(i)) << "send " << i;
    if (i > 0) EXPECT_GE(sim.sent[i].at - sim.sent[i - 1].at, pair_interval) << "send " << i;
    EXPECT_LE(sim.sent[i].at - sim.sent[i].claimed_at, lease / 2) << "send " << i;
  }
  for (const auto& [id, n] : sim.handed_back) EXPECT_EQ(n, 1) << "delivery " << id;
  // No slot wasted: the last goes about one interval per message after the first.
  EXPECT_LE(sim.sent.back().at - sim.sent.front().at,
            pair_interval * (alerts - 1) + milliseconds(100) * alerts);
}

TEST(TargetPacing, AHoldFromThePlatformDelaysEvenADeliveryThatHasItsSlot) {
  TargetPacing pacing(seconds(30));
  const Clock::time_point t0{hours(1)};
  TargetPacing::Waiting first{t0, false}, second{t0, false};
  EXPECT_EQ(pacing.place(chat, pair_interval, t0, first).action, TargetPacing::Action::send);
  pacing.sent(chat, pair_interval, t0);
  const auto slot = pacing.place(chat, pair_interval, t0, second);
  ASSERT_EQ(slot.action, TargetPacing::Action::wait);
  EXPECT_EQ(slot.at, t0 + pair_interval);

  pacing.hold_until(chat, t0 + seconds(20));  // e.g. the platform's pair-rate error
  const auto held = pacing.place(chat, pair_interval, slot.at, second);
  EXPECT_EQ(held.action, TargetPacing::Action::wait);
  EXPECT_EQ(held.at, t0 + seconds(20));

  pacing.hold_until(chat, t0 + seconds(45));  // longer than it may keep its lease
  const auto back = pacing.place(chat, pair_interval, held.at, second);
  EXPECT_EQ(back.action, TargetPacing::Action::hand_back);
  EXPECT_GE(back.at, t0 + seconds(45));
}

TEST(TargetPacing, RecipientsWithNothingAheadAreForgotten) {
  TargetPacing pacing(seconds(30));
  const Clock::time_point t0{hours(1)};
  const TargetPacing::Target other{"whatsapp", "393330000002"};
  pacing.sent(chat, pair_interval, t0);
  pacing.sent(other, pair_interval, t0 + seconds(5));
  ASSERT_EQ(pacing.size(), 2u);
  pacing.forget_idle(t0 + seconds(7));  // chat's interval is over, other's is not
  EXPECT_EQ(pacing.size(), 1u);
  TargetPacing::Waiting w{t0 + seconds(7), false};
  const auto slot = pacing.place(other, pair_interval, t0 + seconds(7), w);
  EXPECT_EQ(slot.action, TargetPacing::Action::wait);
  EXPECT_EQ(slot.at, t0 + seconds(11));
  pacing.forget_idle(t0 + seconds(12));  // that slot holds the line until t0 + 17 s
  EXPECT_EQ(pacing.size(), 1u);
  pacing.forget_idle(t0 + seconds(17));
  EXPECT_EQ(pacing.size(), 0u);
}
