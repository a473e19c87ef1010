#include "daemon/dispatch/dispatcher.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "daemon/store/database_unavailable.hpp"

namespace araldo::dispatch {

using std::chrono::milliseconds;

std::string make_worker_id() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::random_device rd;
  return fmt::format("{}:{}:{:04x}", host, getpid(), rd() & 0xffff);
}

namespace {

SendOptions send_options(const DispatchOptions& o) {
  return {o.max_in_flight, o.lease, o.request_timeout, o.shutdown_grace, o.retry};
}

// How many deliveries a channel may hold claimed ahead: its slots for one lookahead plus
// a burst, within bounds that keep one claim statement and the leases it takes small.
int stock_for(const channels::RateLimit& limit, milliseconds lookahead, int max_in_flight) {
  const double ahead =
      limit.per_second * std::chrono::duration<double>(lookahead).count() + limit.burst;
  return static_cast<int>(std::clamp(std::ceil(ahead), 1.0, 8.0 * max_in_flight));
}

}  // namespace

Dispatcher::Dispatcher(DispatchOptions options, std::unique_ptr<delivery::DeliveryQueue> queue,
                       const channels::ChannelSet& channels)
    : options_(std::move(options)),
      queue_(std::move(queue)),
      channels_(channels),
      send_loop_(send_options(options_), channels_, handoff_) {
  if (options_.worker_id.empty()) options_.worker_id = make_worker_id();
  handoff_.set_sender_wakeup([this] { send_loop_.wakeup(); });
  for (const auto& c : channels_.all()) {
    const auto limit = c->rate_limit();
    ChannelQueue q;
    q.rate = {{limit.per_second, limit.burst},
              std::chrono::duration_cast<std::chrono::microseconds>(options_.lookahead)};
    q.stock = stock_for(limit, options_.lookahead, options_.max_in_flight);
    queues_.emplace(c->name(), q);
  }
}

Dispatcher::~Dispatcher() = default;

bool Dispatcher::ensure_connected() {
  if (queue_->is_open()) return true;
  const auto now = Clock::now();
  if (now < next_connect_try_) return false;
  try {
    queue_->open();
    connected_ = true;
    reconnect_delay_ = milliseconds(250);
    for (auto& [name, q] : queues_) q.wanted = true;
    spdlog::info("event=dispatcher.connected worker={}", options_.worker_id);
    return true;
  } catch (const std::exception& e) {
    queue_->close();
    next_connect_try_ = now + reconnect_delay_;
    spdlog::warn("event=dispatcher.db_unavailable retry_in_ms={} error=\"{}\"",
                 reconnect_delay_.count(), e.what());
    reconnect_delay_ = std::min(reconnect_delay_ * 2, options_.reconnect_max);
    return false;
  }
}

void Dispatcher::drop_connection(const std::string& why) {
  spdlog::warn("event=dispatcher.db_lost worker={} error=\"{}\"", options_.worker_id, why);
  queue_->close();
  connected_ = false;
  next_connect_try_ = Clock::now() + reconnect_delay_;
}

std::map<std::string, Dispatcher::ChannelStatus> Dispatcher::channel_status() const {
  const auto now = Clock::now();
  const auto pauses = handoff_.pauses();
  std::map<std::string, ChannelStatus> status;
  for (const auto& [name, q] : queues_) {
    ChannelStatus s;
    if (const auto it = pauses.find(name); it != pauses.end()) {
      const auto& p = it->second;
      if (p.until > now) {
        s.state = p.stopped ? "stopped" : "throttled";
        s.reason = p.reason;
        s.resumes_in_ms = std::chrono::duration_cast<milliseconds>(p.until - now).count();
      } else if (p.stopped) {
        // Paused time is over but nothing has been delivered since: still suspect.
        s.state = "stopped";
        s.reason = p.reason;
      }
    }
    status[name] = std::move(s);
  }
  return status;
}

void Dispatcher::claim(const std::string& name, ChannelQueue& q, Clock::time_point now) {
  if (handoff_.paused_for(name, now) > Clock::duration::zero()) {
    q.was_paused = true;
    return;
  }
  if (q.was_paused) {
    spdlog::info("event=channel.resumed channel={}", name);
    q.was_paused = false;
    q.wanted = true;
  }
  if (!q.wanted || now < q.not_before) return;
  const int held = handoff_.held(name);
  if (held > q.stock / 2) return;  // the send thread wakes us as it reports outcomes
  const int limit = q.stock - held;
  // The rate lives in the database: every daemon on this channel draws from it.
  const auto started = Clock::now();
  auto paced = queue_->claim(options_.worker_id, limit, options_.lease, name, q.rate,
                             options_.retry.validity_without_expiry);
  stats_.claiming += Clock::now() - started;
  for (auto& d : paced.claimed) d.leased_at = started;
  const int claimed = static_cast<int>(paced.claimed.size());
  stats_.claimed += claimed;
  handoff_.hand_over(std::move(paced.claimed));
  if (paced.limited_by_rate) {
    q.not_before = Clock::now() + paced.next_claim_in;
  } else if (claimed < limit) {
    q.wanted = false;  // nothing more is due: NOTIFY, a retry or the sweep says when
  }
}

void Dispatcher::fail_unconfigured() {
  // Deliveries for a channel no longer in the configuration fail loudly, not silently
  // wait forever: the send thread fails what it has no channel for, with the reason.
  std::vector<std::string> configured;
  for (const auto& [name, q] : queues_) configured.push_back(name);
  const auto started = Clock::now();
  auto claimed = queue_->claim_unconfigured(options_.worker_id, 100, options_.lease, configured);
  for (auto& d : claimed) d.leased_at = started;
  handoff_.hand_over(std::move(claimed));
}

void Dispatcher::flush_records() {
  for (auto& rec : handoff_.take_records()) unwritten_.push_back(std::move(rec));
  if (unwritten_.empty() || !queue_->is_open()) return;
  // One transaction for everything finished since the last turn.
  const auto started = Clock::now();
  const auto recorded = queue_->record(options_.worker_id, unwritten_);
  const auto now = Clock::now();
  stats_.flushing += now - started;
  stats_.records += static_cast<long long>(unwritten_.size());
  for (std::size_t i = 0; i < unwritten_.size(); ++i) {
    const auto& rec = unwritten_[i];
    const auto& result = recorded[i];
    if (!result.written) {
      spdlog::warn("event=delivery.lease_lost delivery_id={} worker={}", rec.delivery_id,
                   options_.worker_id);
      continue;
    }
    if (observer_) observer_(rec, result);
    if (result.refused) {
      spdlog::error(
          "event=delivery.refused_by_database delivery_id={} alert_id={} channel={} "
          "error=\"{}\"",
          rec.delivery_id, rec.alert_id, rec.channel, *result.refused);
      continue;
    }
    const auto& effects = rec.effects;
    if (effects.wake_channel) {
      if (auto it = queues_.find(rec.channel); it != queues_.end()) it->second.wanted = true;
    }
    if (effects.due_in && effects.due_in->count() > 0) {
      // Wake for the retry itself rather than at the next sweep.
      const auto due = now + *effects.due_in;
      next_due_ = next_due_ ? std::min(*next_due_, due) : due;
    }
  }
  unwritten_.clear();
  wake_released();
}

void Dispatcher::wake_released() {
  for (const auto& name : queue_->take_woken_channels()) {
    if (auto it = queues_.find(name); it != queues_.end()) it->second.wanted = true;
  }
}

void Dispatcher::count_refusals() {
  if (const int n = queue_->take_refused_rows(); n > 0) {
    spdlog::error(
        "event=deliveries.refused_by_database count={} reason=\"each failed alone, "
        "with what the database said; the rest went on\"",
        n);
    if (refusal_observer_) refusal_observer_(n);
  }
}

void Dispatcher::new_work() {
  local_work_ = true;
  handoff_.wake_store();
}

void Dispatcher::announce() {
  const auto now = Clock::now();
  if (!announce_ || now < last_announce_ + notify_interval) return;
  queue_->announce();
  announce_ = false;
  last_announce_ = now;
}

void Dispatcher::turn(bool draining) {
  if (!ensure_connected()) return;
  if (Clock::now() < turn_not_before_) return;
  flush_records();
  if (draining) return;
  announce();
  const auto now = Clock::now();
  bool everything = false;
  if (now >= next_sweep_) {
    log_stats();
    everything = true;
    next_sweep_ = now + options_.sweep_interval;
    if (const int n = queue_->expire_due(); n > 0) {
      spdlog::warn("event=deliveries.expired count={}", n);
    }
    if (const int n = queue_->fail_abandoned(); n > 0) {
      spdlog::error("event=deliveries.abandoned count={} reason=\"their workers kept dying\"", n);
    }
    fail_unconfigured();
    wake_released();
  }
  if (next_due_ && now >= *next_due_) {
    everything = true;
    next_due_.reset();
  }
  if (everything) {
    for (auto& [name, q] : queues_) q.wanted = true;
  }

  // Each channel claims in turn, the first one changing every turn, so one bulk channel
  // cannot hold the database to itself; within a channel the most urgent comes first.
  std::vector<std::pair<const std::string, ChannelQueue>*> order;
  for (auto& entry : queues_) order.push_back(&entry);
  if (!order.empty())
    std::rotate(order.begin(), order.begin() + rotation_++ % order.size(), order.end());
  std::vector<std::string> drained;
  for (auto* entry : order) {
    const bool was_wanted = entry->second.wanted;
    claim(entry->first, entry->second, now);
    if (was_wanted && !entry->second.wanted) drained.push_back(entry->first);
  }

  count_refusals();

  // A channel whose queue ran dry: when is its next retry due (or a lease to expire)?
  if (!drained.empty()) {
    if (auto wait = queue_->time_until_next_due(drained)) {
      const auto due = Clock::now() + *wait;
      next_due_ = next_due_ ? std::min(*next_due_, due) : due;
    }
  }
  store_backoff_ = milliseconds(250);
}

milliseconds Dispatcher::next_wait() const {
  const auto now = Clock::now();
  // Disconnected, nothing but reconnecting can happen (and a sweep that fell due
  // meanwhile, still in the past, would make this loop spin until then).
  if (!queue_->is_open()) {
    return std::max(
        milliseconds(0),
        std::chrono::duration_cast<milliseconds>(next_connect_try_ - now) + milliseconds(1));
  }
  if (now < turn_not_before_) {
    return std::chrono::duration_cast<milliseconds>(turn_not_before_ - now) + milliseconds(1);
  }
  auto until = next_sweep_;
  if (next_due_) until = std::min(until, *next_due_);
  for (const auto& [name, pause] : handoff_.pauses()) {
    if (pause.until > now) until = std::min(until, pause.until);
  }
  for (const auto& [name, q] : queues_) {
    if (q.wanted && q.not_before > now) until = std::min(until, q.not_before);
  }
  if (announce_) until = std::min(until, last_announce_ + notify_interval);
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(until - now) + milliseconds(1));
}

void Dispatcher::log_stats() {
  using std::chrono::duration_cast;
  if (stats_.records > 0 || stats_.claimed > 0) {
    spdlog::info(
        "event=dispatcher.turns turns={} records={} claimed={} flush_ms={} claim_ms={} "
        "idle_ms={}",
        stats_.turns, stats_.records, stats_.claimed,
        duration_cast<milliseconds>(stats_.flushing).count(),
        duration_cast<milliseconds>(stats_.claiming).count(),
        duration_cast<milliseconds>(stats_.waiting).count());
  }
  stats_ = {};
}

void Dispatcher::wait_for_work(milliseconds max_wait) {
  const auto started = Clock::now();
  ++stats_.turns;
  pollfd fds[2] = {{handoff_.store_wake_fd(), POLLIN, 0}, {queue_->wake_fd(), POLLIN, 0}};
  ::poll(fds, fds[1].fd >= 0 ? 2 : 1,
         static_cast<int>(std::min<long long>(max_wait.count(), 60'000)));
  handoff_.drain_store_wakeups();
  stats_.waiting += Clock::now() - started;
  if (local_work_.exchange(false)) {
    announce_ = true;
    for (auto& [name, q] : queues_) q.wanted = true;
  }
  if (!queue_->is_open()) return;
  try {
    if (queue_->take_announcements()) {
      for (auto& [name, q] : queues_) q.wanted = true;
    }
  } catch (const std::exception& e) {
    drop_connection(e.what());
  }
}

void Dispatcher::run(std::stop_token stop) {
  spdlog::info("event=dispatcher.started worker={} max_in_flight={} lookahead_ms={}",
               options_.worker_id, options_.max_in_flight, options_.lookahead.count());
  std::atomic<bool> sender_done{false};
  std::jthread sender([this, &sender_done](std::stop_token st) {
    send_loop_.run(st);
    sender_done = true;
    handoff_.wake_store();
  });
  std::stop_callback stop_sender(stop, [&] {
    sender.request_stop();
    handoff_.wake_store();
  });
  next_sweep_ = Clock::now();

  // Outcomes keep being written while the send thread lets in-flight sends finish.
  while (!sender_done) {
    const bool draining = stop.stop_requested();
    try {
      turn(draining);
    } catch (const store::DatabaseUnavailable& e) {
      drop_connection(e.what());
    } catch (const std::exception& e) {
      // A statement failed on a live connection and not because of one row (the queue
      // isolates those): a bug, a schema mismatch, a permission. Say so, keep the loop
      // alive, and try again after a growing pause rather than hammering the database.
      const auto pause = store_backoff_;
      store_backoff_ = std::min(store_backoff_ * 2, options_.reconnect_max);
      turn_not_before_ = Clock::now() + pause;
      spdlog::error("event=dispatcher.sql_error retry_in_ms={} error=\"{}\"", pause.count(),
                    e.what());
    }
    if (sender_done) break;
    wait_for_work(draining ? milliseconds(100) : next_wait());
  }
  sender.join();

  // Write what we know and hand back whatever is still held (claimed ahead and not
  // started, or still in flight), if the database lets us.
  try {
    next_connect_try_ = {};  // one last try now, whatever the backoff said
    if (ensure_connected()) {
      flush_records();
      if (const int n = queue_->release_leases(options_.worker_id); n > 0) {
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
