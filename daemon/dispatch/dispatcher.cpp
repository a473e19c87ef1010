#include "daemon/dispatch/dispatcher.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::dispatch {

using Clock = std::chrono::steady_clock;
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
  for (auto it = paused_until_.begin(); it != paused_until_.end();) {
    if (it->second <= now) {
      spdlog::info("event=channel.resumed channel={}", it->first);
      it = paused_until_.erase(it);
    } else {
      out.push_back(it->first);
      ++it;
    }
  }
  return out;
}

void Dispatcher::claim_and_send() {
  const int free_slots = options_.max_in_flight - static_cast<int>(in_flight_.size());
  if (free_slots <= 0) return;
  const auto paused = paused_channels();
  auto claimed =
      store::claim_due(*listener_->conn, options_.worker_id, free_slots, options_.lease, paused);
  // A full batch means more may be due right now.
  claim_wanted_ = static_cast<int>(claimed.size()) == free_slots;
  for (auto& d : claimed) send(std::move(d));
  if (!claim_wanted_) {
    auto wait = store::time_until_next_due(*listener_->conn, paused);
    next_due_ = wait ? std::optional(Clock::now() + *wait) : std::nullopt;
  }
}

void Dispatcher::send(store::ClaimedDelivery delivery) {
  if (delivery.reclaimed) {
    spdlog::warn("event=delivery.reclaimed delivery_id={} alert_id={} channel={} attempt={}",
                 delivery.id, delivery.alert_id, delivery.channel, delivery.attempt);
  }
  const auto* channel = channels_.find(delivery.channel);
  if (!channel) {
    finish_without_sending(delivery, "channel '" + delivery.channel + "' is not configured");
    return;
  }
  const auto tag = next_tag_++;
  sender_.submit(tag, channel->build_request({delivery.target, delivery.rendered_text}),
                 options_.request_timeout);
  in_flight_.emplace(tag, InFlight{std::move(delivery), channel});
}

void Dispatcher::finish_without_sending(const store::ClaimedDelivery& d,
                                        const std::string& reason) {
  spdlog::error("event=delivery.failed delivery_id={} alert_id={} channel={} reason=\"{}\"", d.id,
                d.alert_id, d.channel, reason);
  store::AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.alert_id = d.alert_id;
  rec.attempt = d.attempt;
  rec.outcome = "permanent";
  rec.error = reason;
  rec.next_state = "failed";
  unwritten_.push_back(std::move(rec));
}

void Dispatcher::finish(std::uint64_t tag, const channels::Answer& answer, milliseconds latency) {
  auto node = in_flight_.extract(tag);
  if (node.empty()) return;
  const auto& d = node.mapped().delivery;
  const auto& channel = *node.mapped().channel;
  const auto outcome = channel.classify(answer);
  const auto decision = decide(options_.retry, outcome, d.attempt,
                               std::uniform_real_distribution<double>(0.0, 1.0)(rng_));

  store::AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.alert_id = d.alert_id;
  rec.attempt = d.attempt;
  rec.outcome = std::string(channels::to_string(outcome.kind));
  if (const auto* reply = std::get_if<channels::HttpReply>(&answer))
    rec.http_status = reply->status;
  rec.latency_ms = static_cast<long>(latency.count());
  if (!outcome.platform_id.empty()) rec.platform_id = outcome.platform_id;
  if (!decision.reason.empty()) rec.error = decision.reason;
  rec.next_state = decision.next_state;
  rec.retry_in = decision.retry_in;

  const bool whole_channel = outcome.scope == channels::Scope::channel &&
                             (outcome.kind == channels::Outcome::Kind::retry_after ||
                              outcome.kind == channels::Outcome::Kind::permanent);
  if (whole_channel && decision.retry_in) {
    auto& until = paused_until_[channel.name()];
    until = std::max(until, Clock::now() + *decision.retry_in);
    if (outcome.kind == channels::Outcome::Kind::permanent) {
      spdlog::critical("event=channel.stopped channel={} pause_ms={} reason=\"{}\"", channel.name(),
                       decision.retry_in->count(), outcome.reason);
    } else {
      spdlog::warn("event=channel.throttled channel={} pause_ms={} reason=\"{}\"", channel.name(),
                   decision.retry_in->count(), outcome.reason);
    }
  }

  const auto log_level = decision.next_state == "sent"     ? spdlog::level::info
                         : decision.next_state == "failed" ? spdlog::level::err
                                                           : spdlog::level::warn;
  spdlog::log(log_level,
              "event=delivery.{} delivery_id={} alert_id={} channel={} target={} attempt={} "
              "outcome={} http_status={} latency_ms={} platform_id={} retry_in_ms={} reason=\"{}\"",
              decision.next_state, d.id, d.alert_id, d.channel, d.target, d.attempt, rec.outcome,
              rec.http_status.value_or(0), rec.latency_ms, rec.platform_id.value_or("-"),
              rec.retry_in ? rec.retry_in->count() : 0, decision.reason);
  unwritten_.push_back(std::move(rec));
}

void Dispatcher::flush_records() {
  while (!unwritten_.empty() && listener_) {
    const auto& rec = unwritten_.front();
    if (!store::record_attempt(*listener_->conn, options_.worker_id, rec)) {
      spdlog::warn("event=delivery.lease_lost delivery_id={} worker={}", rec.delivery_id,
                   options_.worker_id);
    } else if (rec.retry_in) {
      // Wake for the retry itself rather than at the next sweep.
      const auto due = Clock::now() + *rec.retry_in;
      next_due_ = next_due_ ? std::min(*next_due_, due) : due;
    }
    unwritten_.erase(unwritten_.begin());
  }
}

milliseconds Dispatcher::next_wait() {
  const auto now = Clock::now();
  auto until = next_sweep_;
  if (next_due_) until = std::min(until, *next_due_);
  for (const auto& [name, t] : paused_until_) until = std::min(until, t);
  if (!listener_) until = std::min(until, next_connect_try_);
  if (claim_wanted_ && listener_ && static_cast<int>(in_flight_.size()) < options_.max_in_flight) {
    until = now;
  }
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
        }
        if (next_due_ && now >= *next_due_) claim_wanted_ = true;
        for (const auto& [name, t] : paused_until_) {
          if (t <= now) claim_wanted_ = true;
        }
        if (claim_wanted_ && !drain_deadline) claim_and_send();
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
