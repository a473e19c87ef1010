#include "daemon/dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include <pqxx/pqxx>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::dispatch {

using std::chrono::milliseconds;

// The connection that LISTENs; the same connection runs the dispatcher's statements,
// which libpqxx allows between transactions.
struct Dispatcher::Listener {
  struct Receiver : pqxx::notification_receiver {
    Receiver(pqxx::connection& c, bool& flag)
        : pqxx::notification_receiver(c, store::deliveries_notify_channel), woken(flag) {}
    void operator()(const std::string&, int) override { woken = true; }
    bool& woken;
  };

  explicit Listener(std::unique_ptr<pqxx::connection> c) : conn(std::move(c)) {
    receiver = std::make_unique<Receiver>(*conn, woken);
  }
  ~Listener() { receiver.reset(); }  // before the connection it listens on

  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<Receiver> receiver;
  bool woken = false;
};

namespace {

int claim_batch(const store::SharedRate& rate) {
  return std::clamp(static_cast<int>(rate.per_second / 50), 1,
                    std::max(1, static_cast<int>(rate.burst)));
}

}  // namespace

std::string make_worker_id() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::random_device rd;
  return fmt::format("{}:{}:{:04x}", host, getpid(), rd() & 0xffff);
}

Dispatcher::Dispatcher(DispatchOptions options, config::Secret dsn,
                       const channels::ChannelSet& channels)
    : options_(std::move(options)), dsn_(std::move(dsn)), channels_(channels) {
  if (options_.worker_id.empty()) options_.worker_id = make_worker_id();
  for (const auto& c : channels_.all()) {
    const auto limit = c->rate_limit();
    pace_.emplace(c->name(), Pace(store::SharedRate{limit.per_second, limit.burst}));
  }
  publish_status();
}

Dispatcher::~Dispatcher() = default;

bool Dispatcher::ensure_connected() {
  if (listener_) return true;
  const auto now = Clock::now();
  if (now < next_connect_try_) return false;
  try {
    listener_ = std::make_unique<Listener>(store::connect(dsn_));
    // Subscribing takes effect at once; anything queued before it is found by the claim.
    listener_->conn->get_notifs();
    connected_ = true;
    reconnect_delay_ = milliseconds(250);
    claim_wanted_ = true;
    spdlog::info("event=dispatcher.connected worker={}", options_.worker_id);
    return true;
  } catch (const std::exception& e) {
    listener_.reset();
    next_connect_try_ = now + reconnect_delay_;
    spdlog::warn("event=dispatcher.db_unavailable retry_in_ms={} error=\"{}\"",
                 reconnect_delay_.count(), e.what());
    reconnect_delay_ = std::min(reconnect_delay_ * 2, options_.reconnect_max);
    return false;
  }
}

void Dispatcher::drop_connection(const std::string& why) {
  spdlog::warn("event=dispatcher.db_lost worker={} error=\"{}\"", options_.worker_id, why);
  listener_.reset();
  connected_ = false;
  next_connect_try_ = Clock::now() + reconnect_delay_;
}

std::vector<std::string> Dispatcher::paused_channels() {
  const auto now = Clock::now();
  std::vector<std::string> out;
  bool changed = false;
  for (auto& [name, pace] : pace_) {
    if (pace.paused_until == Clock::time_point{}) continue;
    if (pace.paused_until <= now) {
      spdlog::info("event=channel.resumed channel={}", name);
      pace.paused_until = {};
      changed = true;
    } else {
      out.push_back(name);
    }
  }
  if (changed) publish_status();
  return out;
}

void Dispatcher::publish_status() {
  const auto now = Clock::now();
  std::map<std::string, ChannelStatus> status;
  for (const auto& [name, pace] : pace_) {
    ChannelStatus s;
    if (pace.paused_until > now) {
      s.state = pace.stopped ? "stopped" : "throttled";
      s.reason = pace.reason;
      s.resumes_in_ms = std::chrono::duration_cast<milliseconds>(pace.paused_until - now).count();
    } else if (pace.stopped) {
      // Paused time is over but nothing has been delivered since: still suspect.
      s.state = "stopped";
      s.reason = pace.reason;
    }
    status[name] = std::move(s);
  }
  std::lock_guard lock(status_mutex_);
  status_ = std::move(status);
}

std::map<std::string, Dispatcher::ChannelStatus> Dispatcher::channel_status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

int Dispatcher::free_slots() const {
  return options_.max_in_flight - static_cast<int>(in_flight_.size() + delayed_.size());
}

void Dispatcher::claim_and_send() {
  claim_wanted_ = false;
  slots_backlog_ = false;
  const auto paused = paused_channels();
  const auto now = Clock::now();
  std::vector<std::string> not_due_now = paused;

  // Each channel claims what its rate allows, the first one in turn, so one bulk
  // channel cannot take every slot; within a channel the most urgent comes first.
  std::vector<std::pair<const std::string, Pace>*> order;
  for (auto& entry : pace_) order.push_back(&entry);
  if (!order.empty())
    std::rotate(order.begin(), order.begin() + rotation_++ % order.size(), order.end());
  for (auto* entry : order) {
    auto& [name, pace] = *entry;
    pace.backlog = false;
    if (pace.paused_until > now) continue;
    const int slots = free_slots();
    if (slots <= 0) {
      slots_backlog_ = true;
      not_due_now.push_back(name);
      continue;
    }
    // The bucket lives in the database: every daemon on this channel draws from it.
    auto paced = store::claim_paced(*listener_->conn, options_.worker_id, slots, options_.lease,
                                    name, pace.rate, options_.retry.validity_without_expiry);
    auto& claimed = paced.claimed;
    if (paced.limited_by_rate || static_cast<int>(claimed.size()) == slots) {
      // More may be due: wait for tokens or a free slot rather than polling the queue.
      if (paced.limited_by_rate) {
        // Claim again once about 20 ms worth of tokens are in: fewer, fuller claims.
        const double missing = claim_batch(pace.rate) - paced.tokens_left;
        pace.backlog_until =
            Clock::now() + std::chrono::microseconds(static_cast<long long>(
                               std::max(0.0, missing) / pace.rate.per_second * 1e6));
        pace.backlog = true;
      }
      if (static_cast<int>(claimed.size()) == slots) slots_backlog_ = true;
      not_due_now.push_back(name);
    }
    for (auto& d : claimed) schedule(std::move(d));
  }

  // When to look again: the earliest due time among channels not already waiting for
  // tokens, slots or the end of a pause.
  std::vector<std::string> waiting_for_time;
  for (const auto& [name, pace] : pace_) {
    if (std::find(not_due_now.begin(), not_due_now.end(), name) == not_due_now.end()) {
      waiting_for_time.push_back(name);
    }
  }
  next_due_.reset();
  if (!waiting_for_time.empty()) {
    if (auto wait = store::time_until_next_due(*listener_->conn, {waiting_for_time, true})) {
      next_due_ = Clock::now() + *wait;
    }
  }
  for (auto& [name, pace] : pace_) {
    if (pace.backlog)
      next_due_ = next_due_ ? std::min(*next_due_, pace.backlog_until) : pace.backlog_until;
  }
}

void Dispatcher::fail_unconfigured() {
  // Deliveries for a channel no longer in the configuration fail loudly, not silently
  // wait forever.
  std::vector<std::string> configured;
  for (const auto& [name, pace] : pace_) configured.push_back(name);
  if (free_slots() <= 0) return;
  for (auto& d : store::claim_due(*listener_->conn, options_.worker_id, free_slots(),
                                  options_.lease, {configured, false})) {
    finish_without_sending(d, "channel '" + d.channel + "' is not configured");
  }
}

void Dispatcher::schedule(store::ClaimedDelivery delivery) {
  if (delivery.reclaimed) {
    spdlog::warn("event=delivery.reclaimed delivery_id={} alert_id={} channel={} attempt={}",
                 delivery.id, delivery.alert_id, delivery.channel, delivery.attempt);
  }
  const auto* channel = channels_.find(delivery.channel);
  if (!channel) {
    finish_without_sending(delivery, "channel '" + delivery.channel + "' is not configured");
    return;
  }
  const auto now = Clock::now();
  auto& ready = target_ready_[{delivery.channel, delivery.target}];
  const auto at = std::max(ready, now);
  ready = at + channel->target_interval(delivery.target);
  if (at <= now) {
    send(std::move(delivery), *channel);
  } else if (at - now > options_.lease / 2) {
    // Too long to hold the lease: hand it back, due when the target can take it.
    const auto wait = std::chrono::duration_cast<milliseconds>(at - now);
    finish_without_sending(delivery, "waiting for the platform's pace for this target", "deferred",
                           wait);
  } else {
    delayed_.emplace(at, std::move(delivery));
  }
}

void Dispatcher::send_delayed() {
  const auto now = Clock::now();
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    auto node = delayed_.extract(delayed_.begin());
    if (const auto* channel = channels_.find(node.mapped().channel)) {
      send(std::move(node.mapped()), *channel);
    }
  }
}

void Dispatcher::send(store::ClaimedDelivery delivery, const channels::Channel& channel) {
  const auto tag = next_tag_++;
  channels::Message message{delivery.target, delivery.rendered_text, delivery.part, delivery.parts,
                            delivery.previous_part_id};
  sender_.submit(tag, channel.build_request(message), options_.request_timeout);
  in_flight_.emplace(tag, InFlight{std::move(delivery), &channel});
}

void Dispatcher::finish_without_sending(const store::ClaimedDelivery& d, const std::string& reason,
                                        const std::string& outcome,
                                        std::optional<milliseconds> retry_in) {
  if (!retry_in) {
    spdlog::error("event=delivery.failed delivery_id={} alert_id={} channel={} reason=\"{}\"", d.id,
                  d.alert_id, d.channel, reason);
  }
  store::AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.alert_id = d.alert_id;
  rec.channel = d.channel;
  rec.target = d.target;
  rec.part = d.part;
  rec.parts = d.parts;
  rec.attempt = d.attempt;
  rec.outcome = outcome;
  rec.error = reason;
  rec.next_state = retry_in ? "retrying" : "failed";
  rec.retry_in = retry_in;
  unwritten_.push_back(std::move(rec));
}

void Dispatcher::pause_channel(const channels::Channel& channel, const channels::Outcome& outcome,
                               milliseconds wait) {
  auto& pace = pace_.at(channel.name());
  pace.paused_until = std::max(pace.paused_until, Clock::now() + wait);
  pace.reason = outcome.reason;
  if (outcome.kind == channels::Outcome::Kind::permanent) {
    pace.stopped = true;
    spdlog::critical("event=channel.stopped channel={} pause_ms={} reason=\"{}\"", channel.name(),
                     wait.count(), outcome.reason);
  } else {
    spdlog::warn("event=channel.throttled channel={} pause_ms={} reason=\"{}\"", channel.name(),
                 wait.count(), outcome.reason);
  }
  publish_status();
}

void Dispatcher::finish(std::uint64_t tag, const channels::Answer& answer, milliseconds latency) {
  auto node = in_flight_.extract(tag);
  if (node.empty()) return;
  if (slots_backlog_) claim_wanted_ = true;
  const auto& d = node.mapped().delivery;
  const auto& channel = *node.mapped().channel;
  const auto outcome = channel.classify(answer);
  // The time spent on this attempt comes off the alert's remaining validity.
  const auto decision =
      decide(options_.retry, outcome, d.attempt,
             std::uniform_real_distribution<double>(0.0, 1.0)(rng_), d.valid_for - latency);

  store::AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.alert_id = d.alert_id;
  rec.channel = d.channel;
  rec.target = d.target;
  rec.part = d.part;
  rec.parts = d.parts;
  rec.attempt = d.attempt;
  rec.outcome = std::string(channels::to_string(outcome.kind));
  if (const auto* reply = std::get_if<channels::HttpReply>(&answer))
    rec.http_status = reply->status;
  rec.latency_ms = static_cast<long>(latency.count());
  if (!outcome.platform_id.empty()) rec.platform_id = outcome.platform_id;
  if (!decision.reason.empty()) rec.error = decision.reason;
  rec.next_state = decision.next_state;
  rec.retry_in = decision.retry_in;
  rec.moved_to = outcome.moved_to;

  using Kind = channels::Outcome::Kind;
  if (outcome.kind == Kind::delivered) {
    auto& pace = pace_.at(channel.name());
    if (pace.stopped) {
      pace.stopped = false;
      spdlog::info("event=channel.recovered channel={}", channel.name());
      publish_status();
    }
  } else if (outcome.scope == channels::Scope::channel && decision.retry_in &&
             (outcome.kind == Kind::retry_after || outcome.kind == Kind::permanent)) {
    pause_channel(channel, outcome, *decision.retry_in);
  } else if (outcome.kind == Kind::retry_after && decision.retry_in && !outcome.moved_to) {
    // The platform limits this one target: the others go on.
    auto& ready = target_ready_[{d.channel, d.target}];
    ready = std::max(ready, Clock::now() + *decision.retry_in);
  }

  const auto log_level = decision.next_state == "sent"     ? spdlog::level::info
                         : decision.next_state == "failed" ? spdlog::level::err
                                                           : spdlog::level::warn;
  spdlog::log(log_level,
              "event=delivery.{} delivery_id={} alert_id={} channel={} target={} part={}/{} "
              "attempt={} outcome={} http_status={} latency_ms={} platform_id={} retry_in_ms={} "
              "reason=\"{}\"",
              decision.next_state, d.id, d.alert_id, d.channel, d.target, d.part, d.parts,
              d.attempt, rec.outcome, rec.http_status.value_or(0), rec.latency_ms,
              rec.platform_id.value_or("-"), rec.retry_in ? rec.retry_in->count() : 0,
              decision.reason);
  unwritten_.push_back(std::move(rec));
}

void Dispatcher::flush_records() {
  if (unwritten_.empty() || !listener_) return;
  // One transaction for everything finished since the last turn of the loop.
  const auto updated = store::record_attempts(*listener_->conn, options_.worker_id, unwritten_);
  for (std::size_t i = 0; i < unwritten_.size(); ++i) {
    const auto& rec = unwritten_[i];
    if (!updated[i]) {
      spdlog::warn("event=delivery.lease_lost delivery_id={} worker={}", rec.delivery_id,
                   options_.worker_id);
    } else if (rec.retry_in) {
      // Wake for the retry itself rather than at the next sweep.
      const auto due = Clock::now() + *rec.retry_in;
      next_due_ = next_due_ ? std::min(*next_due_, due) : due;
    } else if (rec.next_state == "sent" && rec.part < rec.parts) {
      claim_wanted_ = true;  // the next part is due now
    }
  }
  unwritten_.clear();
}

milliseconds Dispatcher::next_wait() {
  const auto now = Clock::now();
  auto until = next_sweep_;
  if (next_due_) until = std::min(until, *next_due_);
  for (const auto& [name, pace] : pace_) {
    if (pace.paused_until != Clock::time_point{}) until = std::min(until, pace.paused_until);
  }
  if (!delayed_.empty()) until = std::min(until, delayed_.begin()->first);
  if (!listener_) until = std::min(until, next_connect_try_);
  if ((claim_wanted_ || !unwritten_.empty()) && listener_ && free_slots() > 0) until = now;
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(until - now) + milliseconds(1));
}

void Dispatcher::run(std::stop_token stop) {
  std::stop_callback wake_on_stop(stop, [this] { sender_.wakeup(); });
  spdlog::info("event=dispatcher.started worker={} max_in_flight={}", options_.worker_id,
               options_.max_in_flight);
  std::optional<Clock::time_point> drain_deadline;
  next_sweep_ = Clock::now();

  for (;;) {
    if (stop.stop_requested() && !drain_deadline) {
      drain_deadline = Clock::now() + options_.shutdown_grace;
      spdlog::info("event=dispatcher.stopping in_flight={}", in_flight_.size());
    }
    if (drain_deadline && (in_flight_.empty() || Clock::now() >= *drain_deadline)) break;

    try {
      if (ensure_connected()) {
        flush_records();
        const auto now = Clock::now();
        if (now >= next_sweep_) {
          claim_wanted_ = true;
          next_sweep_ = now + options_.sweep_interval;
          if (const int n = store::expire_due(*listener_->conn); n > 0) {
            spdlog::warn("event=deliveries.expired count={}", n);
          }
          if (!drain_deadline) fail_unconfigured();
          std::erase_if(target_ready_, [&](const auto& e) { return e.second <= now; });
        }
        if (next_due_ && now >= *next_due_) claim_wanted_ = true;
        for (const auto& [name, pace] : pace_) {
          if (pace.paused_until != Clock::time_point{} && pace.paused_until <= now) {
            claim_wanted_ = true;
          }
        }
        if (!drain_deadline) send_delayed();
        if (claim_wanted_ && !drain_deadline) claim_and_send();
        flush_records();  // what claim_and_send failed without sending
      }
    } catch (const store::DatabaseUnavailable& e) {
      drop_connection(e.what());
    } catch (const pqxx::broken_connection& e) {
      drop_connection(e.what());
    } catch (const pqxx::sql_error& e) {
      // A statement failed on a live connection: a bug or a schema mismatch. Say so and
      // keep the loop alive; the sweep retries.
      spdlog::error("event=dispatcher.sql_error error=\"{}\" query=\"{}\"", e.what(), e.query());
      if (listener_ && !listener_->conn->is_open()) drop_connection(e.what());
      claim_wanted_ = false;
    }

    const auto wait = drain_deadline ? milliseconds(100) : next_wait();
    const int fd = listener_ ? listener_->conn->sock() : -1;
    for (auto& c : sender_.poll(wait, fd)) finish(c.tag, c.answer, c.latency);

    if (listener_) {
      try {
        listener_->woken = false;
        listener_->conn->get_notifs();
        if (listener_->woken) claim_wanted_ = true;
      } catch (const std::exception& e) {
        drop_connection(e.what());
      }
    }
  }

  // Hand back whatever is still held, and write what we know, if the database lets us.
  try {
    next_connect_try_ = {};  // one last try now, whatever the backoff said
    if (ensure_connected()) {
      flush_records();
      if (const int n = store::release_leases(*listener_->conn, options_.worker_id); n > 0) {
        spdlog::warn("event=dispatcher.released_leases count={}", n);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("event=dispatcher.shutdown_write_failed unwritten={} error=\"{}\"",
                  unwritten_.size(), e.what());
  }
  spdlog::info("event=dispatcher.stopped worker={}", options_.worker_id);
}

}  // namespace araldo::dispatch
