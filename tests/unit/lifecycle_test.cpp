// A delivery's life (daemon/delivery/lifecycle): every state × event, every answer class ×
// the delivery's shape, and a property test that drives random sequences of claims,
// outcomes, lease expiries, cancels, updates and retries through the same functions the
// store executes, checking the invariants after every step.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "daemon/delivery/lifecycle.hpp"
#include "daemon/delivery/storable.hpp"

using namespace araldo;
using namespace std::chrono;
using channels::Outcome;
using delivery::DeliveryState;
using delivery::Event;
using State = DeliveryState;

namespace {

constexpr std::array all_states{State::pending, State::sending, State::sent,     State::retrying,
                                State::failed,  State::expired, State::cancelled};
constexpr std::array all_events{Event::claim,   Event::reclaim,        Event::release,
                                Event::abandon, Event::cancel,         Event::supersede,
                                Event::expire,  Event::operator_retry, Event::withhold};

delivery::ClaimedDelivery claimed(int part = 1, int parts = 1, std::string action = "send") {
  delivery::ClaimedDelivery d;
  d.id = 7;
  d.alert_id = "00000000-0000-4000-8000-000000000007";
  d.channel = "telegram-main";
  d.target = "-4001";
  d.part = part;
  d.parts = parts;
  d.attempt = 1;
  d.action = std::move(action);
  if (d.action != "send") d.subject_id = "99";
  d.valid_for = hours(1);
  return d;
}

}  // namespace

// Every cell of the table, written out: the state each event takes each state to.
TEST(Lifecycle, EveryStateAndEvent) {
  const std::optional<State> _ = std::nullopt;
  const std::map<Event, std::array<std::optional<State>, 7>> expected{
      //                     pending           sending          sent  retrying          failed
      //                     expired cancelled
      {Event::claim, {State::sending, _, _, State::sending, _, _, _}},
      {Event::reclaim, {_, State::sending, _, _, _, _, _}},
      {Event::release, {_, State::retrying, _, _, _, _, _}},
      {Event::abandon, {_, State::failed, _, _, _, _, _}},
      {Event::cancel, {State::cancelled, _, _, State::cancelled, _, _, _}},
      {Event::supersede, {State::cancelled, _, _, State::cancelled, _, _, _}},
      {Event::expire, {State::expired, State::expired, _, State::expired, _, _, _}},
      {Event::operator_retry, {_, _, _, _, State::pending, _, _}},
      {Event::withhold, {State::failed, _, _, State::failed, _, _, _}},
  };
  for (const auto event : all_events) {
    for (std::size_t i = 0; i < all_states.size(); ++i) {
      EXPECT_EQ(delivery::after(all_states[i], event), expected.at(event)[i])
          << delivery::to_string(event) << " from " << model::to_string(all_states[i]);
    }
  }
  // Nothing leaves sent, expired or cancelled; only an operator's retry leaves failed.
  for (const auto event : all_events) {
    for (const auto s : {State::sent, State::expired, State::cancelled}) {
      EXPECT_FALSE(delivery::after(s, event)) << delivery::to_string(event);
    }
    if (event != Event::operator_retry) {
      EXPECT_FALSE(delivery::after(State::failed, event));
    }
  }
  // The SQL lists come from the same table.
  EXPECT_EQ(delivery::sql_states(Event::cancel), "'pending','retrying'");
  EXPECT_EQ(delivery::sql_states(Event::expire), "'pending','sending','retrying'");
  EXPECT_EQ(delivery::sql_states(Event::operator_retry), "'failed'");
}

// Every answer class, for a single post, a middle part, an edit with a fallback.
TEST(Lifecycle, EveryOutcomeClassForEveryShapeOfDelivery) {
  struct Row {
    const char* name;
    Outcome outcome;
    delivery::ClaimedDelivery d;
    State state;
    std::string audit;
    bool next_part = false, withhold = false, fall_back = false, move = false;
  };
  const std::vector<Row> rows{
      {"delivered", Outcome::delivered("42"), claimed(), State::sent, "delivery.sent"},
      {"delivered part 2/3", Outcome::delivered("42"), claimed(2, 3), State::sent, "delivery.sent",
       true},
      {"delivered edit without id", Outcome::delivered(""), claimed(1, 1, "edit"), State::sent,
       "delivery.sent"},
      {"delivered send without id", Outcome::delivered(""), claimed(), State::failed,
       "delivery.failed"},
      {"retry after", Outcome::retry_after(seconds(3), channels::Scope::target, "429"), claimed(),
       State::retrying, "delivery.retry_scheduled"},
      {"transient", Outcome::transient("HTTP 502"), claimed(2, 3), State::retrying,
       "delivery.retry_scheduled"},
      {"permanent", Outcome::permanent("HTTP 400"), claimed(), State::failed, "delivery.failed"},
      {"permanent part 1/3", Outcome::permanent("HTTP 400"), claimed(1, 3), State::failed,
       "delivery.failed", false, true},
      {"permanent last part", Outcome::permanent("HTTP 400"), claimed(3, 3), State::failed,
       "delivery.failed"},
      {"channel credentials refused", Outcome::permanent("HTTP 401", channels::Scope::channel),
       claimed(), State::retrying, "delivery.retry_scheduled"},
      {"moved", Outcome::moved("-1004001", "migrated"), claimed(1, 2), State::retrying,
       "delivery.moved", false, false, false, true},
  };
  for (const auto& r : rows) {
    const auto e = delivery::plan(r.d, r.outcome, {}, 0.5, milliseconds(10));
    EXPECT_EQ(e.next_state, r.state) << r.name;
    EXPECT_EQ(e.audit_kind, r.audit) << r.name;
    EXPECT_EQ(e.next_part_due, r.next_part) << r.name;
    EXPECT_EQ(e.withhold_later_parts, r.withhold) << r.name;
    EXPECT_EQ(e.fall_back_to_reply, r.fall_back) << r.name;
    EXPECT_EQ(e.move.has_value(), r.move) << r.name;
    EXPECT_EQ(e.next_state == State::sent, e.platform_id.has_value()) << r.name;
    EXPECT_EQ(e.next_state == State::retrying, e.due_in.has_value()) << r.name;
    if (e.next_state != State::sent) {
      EXPECT_FALSE(e.reason.empty()) << r.name;
    }
  }
  // A refused edit with a fallback becomes a reply due now; without one it fails.
  auto edit = claimed(1, 1, "edit");
  edit.has_fallback = true;
  const auto fell = delivery::plan(edit, Outcome::permanent("too old"), {}, 0.5, milliseconds(0));
  EXPECT_EQ(fell.next_state, State::pending);
  EXPECT_TRUE(fell.fall_back_to_reply);
  EXPECT_EQ(fell.due_in, milliseconds(0));
  EXPECT_EQ(fell.audit_kind, "delivery.fell_back");
  edit.has_fallback = false;
  EXPECT_EQ(
      delivery::plan(edit, Outcome::permanent("too old"), {}, 0.5, milliseconds(0)).next_state,
      State::failed);
  // A transient failure after the alert's validity is spent gives up, explained.
  auto late = claimed();
  late.valid_for = milliseconds(5);
  const auto gave_up =
      delivery::plan(late, Outcome::transient("timeout"), {}, 0.5, milliseconds(10));
  EXPECT_EQ(gave_up.next_state, State::failed);
  EXPECT_NE(gave_up.reason.find("no longer valid"), std::string::npos);
  // The migration's reason, as an operator reads it.
  const auto moved = delivery::plan(claimed(), Outcome::moved("-1004001", "m"), {}, 0.5, {});
  EXPECT_EQ(moved.move->taken_reason,
            "chat -4001 became -1004001, which receives this alert already");
}

TEST(Storable, TextsAreValidUtf8WithoutNulAndCut) {
  EXPECT_EQ(delivery::storable_text(std::string("a\0b", 3)),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(delivery::storable_text("x\xff\xfey"), "x\xEF\xBF\xBD\xEF\xBF\xBDy");
  const std::string huge(5'000'000, 'x');
  const auto cut = delivery::storable_text(huge);
  EXPECT_LT(cut.size(), delivery::max_reason_bytes + 64);
  EXPECT_NE(cut.find("4997952 more bytes not kept"), std::string::npos) << cut.substr(2000);
  // Never cut inside a code point: "è" is two bytes.
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "è";
  const auto cut_accents = delivery::storable_text(accents, 101);
  EXPECT_EQ(cut_accents.substr(0, 100), accents.substr(0, 100));
  EXPECT_EQ(cut_accents.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(Storable, IdsAreCheckedAndABadOneFailsTheDeliveryWithoutARetry) {
  EXPECT_TRUE(delivery::is_storable_id("1860000000000000001"));
  EXPECT_TRUE(delivery::is_storable_id("wamid.HBgLMzkzMzMxMDAwMDAwFQIAERgSNjQ+/w=="));
  EXPECT_TRUE(delivery::is_storable_id("104857600_998877"));
  EXPECT_FALSE(delivery::is_storable_id(""));
  EXPECT_FALSE(delivery::is_storable_id(std::string(10'000, '7')));
  EXPECT_FALSE(delivery::is_storable_id("12 34"));
  EXPECT_FALSE(delivery::is_storable_id(std::string("12\0", 3)));
  const auto o = delivery::storable(Outcome::delivered(std::string(10'000, '7')));
  EXPECT_EQ(o.kind, Outcome::Kind::permanent);
  EXPECT_NE(o.reason.find("10000 bytes"), std::string::npos);
  EXPECT_LT(o.reason.size(), 400u);
  const auto moved = delivery::storable(Outcome::moved("-100'; DROP", "m"));
  EXPECT_EQ(moved.kind, Outcome::Kind::permanent);
  EXPECT_FALSE(moved.moved_to && delivery::is_storable_id(*moved.moved_to));
}

namespace {

// One alert's thread of parts to one target, as the store keeps it, driven only through
// after() and plan(), the way the store executes them.
struct Row {
  State state = State::pending;
  bool due = false;  // next_attempt_at reached (later parts wait for the one before)
  int attempts = 0;
  std::optional<std::string> platform_id;
  int lease_expiries = 0;
  bool ever_sent = false, ever_cancelled = false;
};

struct Thread {
  std::vector<Row> parts;
  explicit Thread(int n) : parts(static_cast<std::size_t>(n)) { parts[0].due = true; }

  void apply(std::size_t i, Event event) {
    auto& r = parts[i];
    const auto next = delivery::after(r.state, event);
    if (!next) return;
    if (event == Event::claim) {
      if (!r.due) return;
      ++r.attempts;
    }
    if (event == Event::reclaim) {
      ++r.attempts;
      ++r.lease_expiries;
    }
    if (event == Event::operator_retry) {
      // The first failed part is due at once; later ones wait for it (retry_failed).
      bool earlier_failed = false;
      for (std::size_t k = 0; k < i; ++k) earlier_failed |= parts[k].state == State::failed;
      r.due = !earlier_failed && (i == 0 || parts[i - 1].state == State::sent);
    }
    if (event == Event::release) r.due = true;
    set(r, *next);
  }

  void outcome(std::size_t i, const Outcome& o) {
    auto& r = parts[i];
    if (r.state != State::sending) return;
    delivery::ClaimedDelivery d = claimed(static_cast<int>(i) + 1, static_cast<int>(parts.size()));
    d.attempt = r.attempts;
    const auto e = delivery::plan(d, delivery::storable(o), {}, 0.5, milliseconds(1));
    if (e.platform_id) r.platform_id = e.platform_id;
    r.due = e.due_in && *e.due_in == milliseconds(0);
    set(r, e.next_state);
    if (e.next_part_due) parts[i + 1].due = true;
    if (e.withhold_later_parts) {
      for (std::size_t k = i + 1; k < parts.size(); ++k) {
        if (const auto s = delivery::after(parts[k].state, Event::withhold)) set(parts[k], *s);
      }
    }
  }

  static void set(Row& r, State s) {
    r.state = s;
    r.ever_sent |= s == State::sent;
    r.ever_cancelled |= s == State::cancelled;
  }
};

}  // namespace

TEST(Lifecycle, RandomSequencesKeepEveryInvariant) {
  std::mt19937_64 rng(20261206);
  const std::vector<Outcome> answers{
      Outcome::delivered("1001"),
      Outcome::delivered(""),
      Outcome::delivered(std::string(10'000, '9')),
      Outcome::retry_after(seconds(2), channels::Scope::target, "429"),
      Outcome::retry_after(seconds(2), channels::Scope::channel, "flood"),
      Outcome::transient("HTTP 503"),
      Outcome::transient(std::string("reset \0 by peer", 15)),
      Outcome::permanent("HTTP 400"),
      Outcome::permanent("HTTP 401", channels::Scope::channel),
  };
  for (int round = 0; round < 2000; ++round) {
    Thread t(1 + static_cast<int>(rng() % 4));
    for (int step = 0; step < 40; ++step) {
      const auto before = t.parts;
      const std::size_t i = rng() % t.parts.size();
      switch (rng() % 8) {
        case 0:
        case 1:
          t.apply(i, Event::claim);
          break;
        case 2:
        case 3:
          t.outcome(i, answers[rng() % answers.size()]);
          break;
        case 4:
          t.apply(i, rng() % 2 ? Event::reclaim : Event::release);
          break;
        case 5:
          for (std::size_t k = 0; k < t.parts.size(); ++k)
            t.apply(k, rng() % 2 ? Event::cancel : Event::supersede);
          break;
        case 6:
          t.apply(i, Event::operator_retry);
          break;
        default:
          t.apply(i, rng() % 4 ? Event::abandon : Event::expire);
          break;
      }
      for (std::size_t k = 0; k < t.parts.size(); ++k) {
        const auto& was = before[k];
        const auto& now = t.parts[k];
        SCOPED_TRACE("round " + std::to_string(round) + " step " + std::to_string(step) + " part " +
                     std::to_string(k + 1));
        // A final state stays final (an operator may retry a failed one: it was not sent).
        if (delivery::is_final(was.state) && was.state != State::failed) {
          EXPECT_EQ(now.state, was.state);
        }
        if (was.state == State::failed && now.state != State::failed) {
          EXPECT_EQ(now.state, State::pending);
        }
        EXPECT_GE(now.attempts, was.attempts);
        if (now.state == State::sent) {
          ASSERT_TRUE(now.platform_id);
          EXPECT_TRUE(delivery::is_storable_id(*now.platform_id));
        }
        EXPECT_FALSE(now.ever_sent && now.ever_cancelled);
        // Parts go out in order: a part is sent only after the one before it.
        if (now.state == State::sent && k > 0) {
          EXPECT_EQ(t.parts[k - 1].state, State::sent);
        }
        if (now.state == State::sending && now.attempts > was.attempts && k > 0) {
          EXPECT_EQ(t.parts[k - 1].state, State::sent);
        }
      }
    }
  }
}
