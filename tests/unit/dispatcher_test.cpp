// The dispatcher without a database: an in-memory queue stands in for PostgreSQL (behind
// delivery::DeliveryQueue, as store::PgDeliveryQueue does in the daemon), and the
// emulator for Telegram, over loopback. What is claimed is sent, its outcome recorded;
// outcomes that cannot be written while the queue is down are kept and written once it
// is back, without sending anything twice.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "daemon/dispatch/dispatcher.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/store/database_unavailable.hpp"
#include "tests/emulator/emulator_state.hpp"
#include "tests/emulator/telegram/telegram_api.hpp"
#include "tests/support/channel_support.hpp"
#include "tests/support/wait_until.hpp"

using namespace araldo;
using namespace std::chrono;
using araldo::test_support::wait_until;

namespace {

const std::string token = "555:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

class MemoryQueue final : public delivery::DeliveryQueue {
 public:
  void add(const std::string& channel, const std::string& target, const std::string& text) {
    std::lock_guard lock(mutex_);
    delivery::ClaimedDelivery d;
    d.id = next_id_++;
    d.alert_id = "00000000-0000-4000-8000-000000000001";
    d.channel = channel;
    d.target = target;
    d.rendered_text = text;
    d.valid_for = hours(1);
    due_.push_back(std::move(d));
  }
  std::map<long long, delivery::AttemptRecord> recorded() const {
    std::lock_guard lock(mutex_);
    return recorded_;
  }
  // Every record, in the order written.
  std::vector<delivery::AttemptRecord> history() const {
    std::lock_guard lock(mutex_);
    return history_;
  }
  std::atomic<bool> up{true};
  std::atomic<bool> down_after_claim{false};  // the database goes away once work is out
  // A claim that waits this long before it answers (on locks, a starved database).
  std::atomic<int> claim_delay_ms{0};

  void open() override {
    ++open_attempts;
    check();
    open_ = true;
  }
  void close() override { open_ = false; }
  bool is_open() const override {
    ++is_open_calls;
    return open_;
  }
  std::atomic<int> open_attempts{0};
  mutable std::atomic<long> is_open_calls{0};  // about three per turn of the loop
  int wake_fd() const override { return -1; }
  bool take_announcements() override { return false; }
  void announce() override { check(); }
  delivery::PacedClaim claim(const std::string&, int limit, milliseconds,
                             const std::string& channel, const delivery::PacedClaimRate&,
                             milliseconds) override {
    check();
    std::unique_lock lock(mutex_);
    delivery::PacedClaim out;
    for (auto it = due_.begin();
         it != due_.end() && static_cast<int>(out.claimed.size()) < limit;) {
      if (it->channel != channel) {
        ++it;
        continue;
      }
      it->attempt += 1;
      out.claimed.push_back(*it);
      leased_[it->id] = *it;
      it = due_.erase(it);
    }
    if (!out.claimed.empty() && down_after_claim) up = false;
    lock.unlock();
    if (!out.claimed.empty()) std::this_thread::sleep_for(milliseconds(claim_delay_ms.load()));
    return out;
  }
  std::vector<delivery::ClaimedDelivery> claim_unconfigured(
      const std::string&, int, milliseconds, const std::vector<std::string>&) override {
    check();
    return {};
  }
  std::vector<delivery::Recorded> record(
      const std::string&, const std::vector<delivery::AttemptRecord>& records) override {
    check();
    std::lock_guard lock(mutex_);
    for (const auto& r : records) {
      recorded_[r.delivery_id] = r;
      history_.push_back(r);
      // Handed back: due again, as the store would make it.
      if (r.effects.next_state == model::DeliveryState::retrying)
        due_.push_back(leased_.at(r.delivery_id));
    }
    return std::vector<delivery::Recorded>(records.size(), delivery::Recorded{true, {}});
  }
  std::optional<milliseconds> time_until_next_due(const std::vector<std::string>&) override {
    check();
    return std::nullopt;
  }
  int expire_due() override {
    check();
    return 0;
  }
  int fail_abandoned() override {
    check();
    return 0;
  }
  int release_leases(const std::string&) override {
    check();
    return 0;
  }

 private:
  void check() const {
    if (!up) throw store::DatabaseUnavailable("the database went away");
  }
  mutable std::mutex mutex_;
  std::vector<delivery::ClaimedDelivery> due_;
  std::map<long long, delivery::AttemptRecord> recorded_;
  std::vector<delivery::AttemptRecord> history_;
  std::map<long long, delivery::ClaimedDelivery> leased_;
  long long next_id_ = 1;
  std::atomic<bool> open_{false};
};

class DispatcherWithoutDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::telegram::Options o;
    o.tokens = {token};
    o.chats = {"@allerta_comune"};
    o.rate_limits = false;
    api_ = std::make_unique<emulator::telegram::TelegramApi>(o, state_);
    server_ = std::make_unique<http::HttpServer>(
        http::ServerOptions{}, [this](const http::Request& r) { return *api_->handle(r); });
    base_url_ = "http://127.0.0.1:" + std::to_string(server_->start());
    channels_.add(test_support::make_channel(
        "telegram-main", "type: telegram\nbase_url: " + base_url_ + "\nbot_token: '" + token +
                             "'\nchats: ['@allerta_comune']\ngroup_interval_ms: 0\n"
                             "rate_limit: {per_minute: 600000, burst: 100}\n"));
  }

  void start(std::unique_ptr<MemoryQueue> queue, milliseconds lease = seconds(10)) {
    queue_ = queue.get();
    dispatch::DispatchOptions options;
    options.worker_id = "unit";
    options.sweep_interval = milliseconds(200);
    options.request_timeout = seconds(2);
    options.lease = lease;
    options.reconnect_max = milliseconds(100);
    dispatcher_ = std::make_unique<dispatch::Dispatcher>(options, std::move(queue), channels_);
    thread_ = std::jthread([this](std::stop_token stop) { dispatcher_->run(stop); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      queue_->up = true;  // let it hand back and stop
      thread_.request_stop();
      thread_.join();
    }
  }

  emulator::EmulatorState state_;
  std::unique_ptr<emulator::telegram::TelegramApi> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::string base_url_;
  channels::ChannelSet channels_;
  MemoryQueue* queue_ = nullptr;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  std::jthread thread_;
};

}  // namespace

TEST_F(DispatcherWithoutDatabase, WhatIsClaimedIsSentAndItsOutcomeRecorded) {
  auto queue = std::make_unique<MemoryQueue>();
  for (int i = 0; i < 5; ++i)
    queue->add("telegram-main", "@allerta_comune", "Avviso " + std::to_string(i));
  start(std::move(queue));

  ASSERT_TRUE(wait_until([&] { return queue_->recorded().size() == 5; }));
  for (const auto& [id, r] : queue_->recorded()) {
    EXPECT_EQ(r.effects.next_state, model::DeliveryState::sent) << id;
    EXPECT_EQ(r.http_status.value_or(0), 200) << id;
    EXPECT_TRUE(r.platform_id) << id;
    EXPECT_EQ(r.attempt, 1) << id;
  }
  const auto sent = state_.messages("telegram");
  ASSERT_EQ(sent.size(), 5u);
  std::set<std::string> texts;
  for (const auto& m : sent) texts.insert(std::string(m.at("text").as_string()));
  EXPECT_EQ(texts.size(), 5u);
  EXPECT_TRUE(dispatcher_->database_connected());
}

TEST_F(DispatcherWithoutDatabase, OutcomesWaitForTheDatabaseAndAreWrittenOnceItIsBack) {
  auto queue = std::make_unique<MemoryQueue>();
  for (int i = 0; i < 5; ++i)
    queue->add("telegram-main", "@allerta_comune", "Avviso " + std::to_string(i));
  queue->down_after_claim = true;
  start(std::move(queue));

  // Sending needs no database: everything claimed goes out while it is down.
  ASSERT_TRUE(wait_until([&] { return state_.messages("telegram").size() == 5; }));
  ASSERT_TRUE(wait_until([&] { return !dispatcher_->database_connected(); }));
  EXPECT_TRUE(queue_->recorded().empty());
  // While it is down the loop waits for its next reconnection attempt (backoff up to
  // 100 ms here), rather than spinning: a few turns per attempt, not thousands.
  const auto attempts = queue_->open_attempts.load();
  const auto calls = queue_->is_open_calls.load();
  ASSERT_TRUE(wait_until([&] { return queue_->open_attempts >= attempts + 3; }));
  EXPECT_LT(queue_->is_open_calls - calls, 200);

  queue_->up = true;
  ASSERT_TRUE(wait_until([&] { return queue_->recorded().size() == 5; }));
  for (const auto& [id, r] : queue_->recorded()) {
    EXPECT_EQ(r.effects.next_state, model::DeliveryState::sent) << id;
  }
  EXPECT_EQ(state_.messages("telegram").size(), 5u);  // nothing sent twice
}

// A claim that took most of the lease to answer (a starved database, a long lock wait, or
// a process frozen while it held claims): what it brought must not be sent, since the
// lease may run out before the answer is written and another claim would send it again.
// It is handed back, due at once, and sent by a later claim.
TEST_F(DispatcherWithoutDatabase, ADeliveryClaimedTooLongAgoIsHandedBackNotSent) {
  auto queue = std::make_unique<MemoryQueue>();
  for (int i = 0; i < 3; ++i)
    queue->add("telegram-main", "@allerta_comune", "Avviso " + std::to_string(i));
  // Lease 4 s, request timeout 2 s: a send may start up to 1.6 s after the claim began.
  queue->claim_delay_ms = 2500;
  auto* q = queue.get();
  start(std::move(queue), seconds(4));

  ASSERT_TRUE(wait_until([&] { return q->recorded().size() == 3; }));
  EXPECT_TRUE(state_.messages("telegram").empty());
  q->claim_delay_ms = 0;
  ASSERT_TRUE(wait_until([&] {
    const auto r = q->recorded();
    return std::all_of(r.begin(), r.end(), [](const auto& e) {
      return e.second.effects.next_state == model::DeliveryState::sent;
    });
  }));
  // Each was handed back unsent while its claim was stale, then sent once.
  std::map<long long, std::vector<std::string>> outcomes;
  for (const auto& r : q->history()) outcomes[r.delivery_id].push_back(r.outcome);
  ASSERT_EQ(outcomes.size(), 3u);
  for (const auto& [id, seen] : outcomes) {
    ASSERT_GE(seen.size(), 2u) << id;
    EXPECT_EQ(seen.front(), "deferred") << id;
    EXPECT_EQ(seen.back(), "delivered") << id;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "delivered"), 1) << id;
  }
  const auto sent = state_.messages("telegram");
  ASSERT_EQ(sent.size(), 3u);
  std::set<std::string> texts;
  for (const auto& m : sent) texts.insert(std::string(m.at("text").as_string()));
  EXPECT_EQ(texts.size(), 3u);
}

// The channel's gate holds back what comes faster than its rate; one it held past the
// part of the lease a send may start in is handed back, not sent (here the queue hands
// out more than the rate, as a claim granted at a faster rate would).
TEST_F(DispatcherWithoutDatabase, ADeliveryTheGateHeldPastItsLeaseIsHandedBackNotSent) {
  channels_.add(test_support::make_channel(
      "telegram-slow", "type: telegram\nbase_url: " + base_url_ + "\nbot_token: '" + token +
                           "'\nchats: ['@allerta_comune']\ngroup_interval_ms: 0\n"
                           "rate_limit: {per_minute: 20, burst: 1}\n"));
  auto queue = std::make_unique<MemoryQueue>();
  for (int i = 0; i < 3; ++i)
    queue->add("telegram-slow", "@allerta_comune", "Lento " + std::to_string(i));
  auto* q = queue.get();
  start(std::move(queue), seconds(4));  // sends may start up to 1.6 s after the claim

  ASSERT_TRUE(wait_until(
      [&] {
        const auto r = q->recorded();
        return r.size() == 3 && std::all_of(r.begin(), r.end(), [](const auto& e) {
                 return e.second.effects.next_state == model::DeliveryState::sent;
               });
      },
      seconds(60)));
  // One every 3 s: the second of a claim waits 3 s at the gate, past its 1.6 s.
  int handed_back = 0;
  std::map<long long, int> delivered;
  for (const auto& r : q->history()) {
    if (r.outcome == "delivered") ++delivered[r.delivery_id];
    if (r.error.value_or("").find("within its lease") != std::string::npos) ++handed_back;
  }
  EXPECT_GE(handed_back, 1);
  EXPECT_EQ(delivered.size(), 3u);
  for (const auto& [id, n] : delivered) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(state_.messages("telegram").size(), 3u);
}
