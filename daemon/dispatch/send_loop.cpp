#include "daemon/dispatch/send_loop.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "daemon/delivery/lifecycle.hpp"
#include "daemon/delivery/storable.hpp"

namespace araldo::dispatch {

using std::chrono::milliseconds;

namespace {

delivery::RateClock since_epoch(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<delivery::RateClock>(t.time_since_epoch());
}

// The platform measures a target's interval between arrivals, and we space sends: a
// message that reaches it a little later than the next one would (curl's turn, the
// network) made two sends exactly 6 s apart arrive 5.99 s apart, and WhatsApp answered
// 131056 (pair rate). A margin on every per-target interval.
constexpr milliseconds arrival_allowance{100};

std::chrono::steady_clock::duration pace_interval(const channels::Channel& channel,
                                                  const std::string& target) {
  const auto interval = channel.target_interval(target);
  return interval > milliseconds(0) ? interval + arrival_allowance : interval;
}

}  // namespace

SendLoop::SendLoop(SendOptions options, const channels::ChannelSet& channels, Handoff& handoff)
    : options_(std::move(options)),
      channels_(channels),
      handoff_(handoff),
      pacing_(std::min<Clock::duration>(options_.lease / 2, hold_limit(options_))) {
  for (const auto& c : channels_.all()) {
    const auto limit = c->rate_limit();
    gates_.emplace(c->name(),
                   delivery::RateGate(delivery::catch_up_shape({limit.per_second, limit.burst})));
  }
}

void SendLoop::take_claimed() {
  for (auto& d : handoff_.take_claimed()) {
    if (d.reclaimed) {
      spdlog::warn("event=delivery.reclaimed delivery_id={} alert_id={} channel={} attempt={}",
                   d.id, d.alert_id, d.channel, d.attempt);
    }
    const auto at = d.release_at;
    const auto id = d.id;
    const auto leased_at = d.leased_at;
    waiting_.emplace(WaitKey{at, ++claimed_seq_}, Waiting{std::move(d), {leased_at, false, id}});
  }
}

void SendLoop::release_due(Clock::time_point now) {
  if (now - forgot_idle_at_ > std::chrono::seconds(10)) {
    pacing_.forget_idle(now);
    forgot_idle_at_ = now;
  }
  // Whatever is put back goes strictly after `now`, so this loop ends.
  while (!waiting_.empty() && waiting_.begin()->first.first <= now &&
         static_cast<int>(in_flight_.size()) < options_.max_in_flight) {
    auto node = waiting_.extract(waiting_.begin());
    auto& d = node.mapped().delivery;
    const auto* channel = channels_.find(d.channel);
    if (!channel) {
      fail_unsent(d, "channel '" + d.channel + "' is not configured");
      continue;
    }
    if (const auto pause = handoff_.paused_for(d.channel, now); pause > Clock::duration::zero()) {
      // Throttled or stopped while this one waited for its slot: due again after the pause.
      hand_back_paused(d, pause);
      continue;
    }
    const auto paced = pace(*channel, node.mapped(), now);
    if (paced.action == TargetPacing::Action::hand_back) continue;
    if (paced.action == TargetPacing::Action::wait) {
      node.key().first = paced.at;
      waiting_.insert(std::move(node));
      continue;
    }
    // Its target's slot has come; the channel's gate releases it, in turn.
    gated_[d.channel].push_back(std::move(node.mapped()));
  }
  release_gated(now);
}

// Where the delivery stands in its target's line; one too far off is handed back here.
TargetPacing::Decision SendLoop::pace(const channels::Channel& channel, Waiting& w,
                                      Clock::time_point now) {
  const auto& d = w.delivery;
  const auto placed =
      pacing_.place({d.channel, d.target}, pace_interval(channel, d.target), now, w.pacing);
  if (placed.action == TargetPacing::Action::hand_back) {
    hand_back(d, "waiting for the platform's pace for this target",
              std::chrono::ceil<milliseconds>(placed.at - now) + milliseconds(1));
  }
  return placed;
}

void SendLoop::hand_back_paused(const delivery::ClaimedDelivery& d, Clock::duration pause) {
  hand_back(d, "not sent: the channel is paused",
            std::chrono::ceil<milliseconds>(pause) + milliseconds(1));
}

// The slot came from the shared rate; each channel's gate keeps a starved process from
// sending a backlog of slots all at once (catch_up_shape: a burst less a second's), and
// releases what it holds in the order it came.
void SendLoop::release_gated(Clock::time_point now) {
  for (auto& [name, held] : gated_) {
    if (held.empty()) continue;
    const auto* channel = channels_.find(name);  // it was configured when it was held
    if (const auto pause = handoff_.paused_for(name, now); pause > Clock::duration::zero()) {
      for (const auto& w : held) hand_back_paused(w.delivery, pause);
      held.clear();
      continue;
    }
    auto& gate = gates_.at(name);
    while (!held.empty() && static_cast<int>(in_flight_.size()) < options_.max_in_flight &&
           gate.next_conforming(since_epoch(now)) <= since_epoch(now)) {
      auto w = std::move(held.front());
      held.pop_front();
      if (now > send_by(w.delivery)) {
        hand_back(w.delivery,
                  "not sent: held too long after its claim to be answered within its lease; "
                  "due again at once",
                  milliseconds(1));
        continue;
      }
      // Held by the gate, its target's slot may have passed to a pause from the platform.
      const auto paced = pace(*channel, w, now);
      if (paced.action == TargetPacing::Action::hand_back) continue;
      if (paced.action == TargetPacing::Action::wait) {
        waiting_.emplace(WaitKey{paced.at, ++claimed_seq_}, std::move(w));
        continue;
      }
      gate.take(since_epoch(now));
      pacing_.sent({name, w.delivery.target}, pace_interval(*channel, w.delivery.target), now);
      send(std::move(w.delivery), *channel);
    }
  }
}

// The latest a send may start and its answer still be written while the lease is this
// daemon's: past it, the store may already have given the delivery to another claim (this
// daemon's or another's), and the copy here would reach the platform twice. A process
// frozen or starved while it held claims, or a claim that waited long on locks, ends here
// instead. Per-target pacing hands back before that (at half the lease, or this limit).
SendLoop::Clock::duration SendLoop::hold_limit(const SendOptions& o) {
  return o.lease - o.request_timeout - o.lease / 10;
}

SendLoop::Clock::time_point SendLoop::send_by(const delivery::ClaimedDelivery& d) const {
  return d.leased_at + hold_limit(options_);
}

void SendLoop::send(delivery::ClaimedDelivery delivery, const channels::Channel& channel) {
  const auto tag = next_tag_++;
  channels::OutgoingRequest request;
  try {
    const auto action = channels::parse_action(delivery.action);
    if (!action) throw std::runtime_error("unknown action '" + delivery.action + "'");
    if (*action != channels::Action::send && !delivery.subject_id) {
      throw std::runtime_error("the post it acts on has no platform id");
    }
    channels::Message message{delivery.target,    delivery.rendered_text,    delivery.part,
                              delivery.parts,     delivery.previous_part_id, *action,
                              delivery.subject_id};
    message.delivery_id = delivery.id;
    message.asks_ack = delivery.asks_ack;
    message.language = delivery.language;
    request = channel.build_request(message);
  } catch (const std::exception& e) {
    // A row the plugin cannot turn into a request would fail the same way on every
    // attempt, and must not take the daemon (and every other delivery) down with it.
    fail_unsent(delivery, std::string("not sent: the request could not be built: ") + e.what());
    return;
  }
  sender_.submit(tag, request, options_.request_timeout);
  in_flight_.emplace(tag, InFlight{std::move(delivery), &channel});
}

void SendLoop::hand_back(const delivery::ClaimedDelivery& d, const std::string& reason,
                         milliseconds retry_in) {
  auto rec = delivery::record_for(d);
  rec.outcome = "deferred";
  rec.error = reason;
  rec.effects = delivery::deferred(retry_in, reason);
  handoff_.report(std::move(rec));
}

void SendLoop::fail_unsent(const delivery::ClaimedDelivery& d, const std::string& reason) {
  const auto why = delivery::storable_text(reason);
  spdlog::error("event=delivery.failed delivery_id={} alert_id={} channel={} reason=\"{}\"", d.id,
                d.alert_id, d.channel, why);
  auto rec = delivery::record_for(d);
  rec.outcome = "permanent";
  rec.error = why;
  rec.effects = delivery::failed_unsent(d, why);
  handoff_.report(std::move(rec));
}

void SendLoop::pause_channel(const channels::Channel& channel, const channels::Outcome& outcome,
                             milliseconds wait) {
  const bool stopped = outcome.kind == channels::Outcome::Kind::permanent;
  handoff_.pause(channel.name(), {Clock::now() + wait, stopped, outcome.reason});
  if (stopped) {
    spdlog::critical("event=channel.stopped channel={} pause_ms={} reason=\"{}\"", channel.name(),
                     wait.count(), outcome.reason);
  } else {
    spdlog::warn("event=channel.throttled channel={} pause_ms={} reason=\"{}\"", channel.name(),
                 wait.count(), outcome.reason);
  }
}

void SendLoop::finish(std::uint64_t tag, const channels::Answer& answer, milliseconds latency) {
  auto node = in_flight_.extract(tag);
  if (node.empty()) return;
  const auto& d = node.mapped().delivery;
  const auto& channel = *node.mapped().channel;
  channels::Outcome outcome;
  try {
    outcome = channel.classify(answer);
  } catch (const std::exception& e) {
    // Whether the platform took it is unknown; sending it again blindly could repeat it.
    outcome = channels::Outcome::permanent(
        std::string("the platform's answer could not be read: ") + e.what());
  }
  // At the edge: nothing a platform answers can poison a write of the store.
  outcome = delivery::storable(std::move(outcome));
  // The time spent on this attempt comes off the alert's remaining validity.
  const auto effects = delivery::plan(
      d, outcome, options_.retry, std::uniform_real_distribution<double>(0.0, 1.0)(rng_), latency);

  auto rec = delivery::record_for(d);
  rec.outcome = std::string(channels::to_string(outcome.kind));
  if (const auto* reply = std::get_if<channels::HttpReply>(&answer))
    rec.http_status = reply->status;
  rec.latency_ms = static_cast<long>(latency.count());
  if (!outcome.platform_id.empty()) rec.platform_id = outcome.platform_id;
  if (!effects.reason.empty()) rec.error = effects.reason;

  using Kind = channels::Outcome::Kind;
  if (outcome.kind == Kind::delivered) {
    // One lookup under the lock, not a copy of every channel's pause per message.
    if (handoff_.recovered(channel.name())) {
      spdlog::info("event=channel.recovered channel={}", channel.name());
    }
  } else if (outcome.scope == channels::Scope::channel && effects.due_in &&
             (outcome.kind == Kind::retry_after || outcome.kind == Kind::permanent)) {
    pause_channel(channel, outcome, *effects.due_in);
  } else if (outcome.kind == Kind::retry_after && effects.due_in && !effects.move) {
    // The platform limits this one target: the others go on.
    pacing_.hold_until({d.channel, d.target}, Clock::now() + *effects.due_in);
  }

  using State = model::DeliveryState;
  const auto log_level = effects.next_state == State::sent     ? spdlog::level::info
                         : effects.next_state == State::failed ? spdlog::level::err
                                                               : spdlog::level::warn;
  // The target is a chat id or a phone number: personal data stays out of the log.
  spdlog::log(
      log_level,
      "event=delivery.{} delivery_id={} alert_id={} channel={} part={}/{} attempt={} outcome={} "
      "http_status={} latency_ms={} platform_id={} retry_in_ms={} reason=\"{}\"",
      model::to_string(effects.next_state), d.id, d.alert_id, d.channel, d.part, d.parts, d.attempt,
      rec.outcome, rec.http_status.value_or(0), rec.latency_ms, effects.platform_id.value_or("-"),
      effects.due_in ? effects.due_in->count() : 0, effects.reason);
  rec.effects = effects;
  handoff_.report(std::move(rec));
}

milliseconds SendLoop::next_wait(Clock::time_point now) const {
  auto wait = milliseconds(1000);  // take_claimed() is also woken by the store thread
  if (!waiting_.empty() && static_cast<int>(in_flight_.size()) < options_.max_in_flight) {
    const auto until = waiting_.begin()->first.first;
    wait = until <= now ? milliseconds(0)
                        : std::min(wait, std::chrono::ceil<milliseconds>(until - now));
  }
  if (static_cast<int>(in_flight_.size()) < options_.max_in_flight) {
    for (const auto& [name, held] : gated_) {
      if (held.empty()) continue;
      const auto at = gates_.at(name).next_conforming(since_epoch(now)) - since_epoch(now);
      wait = std::min(wait, std::max(milliseconds(0), std::chrono::ceil<milliseconds>(at)));
    }
  }
  return wait;
}

void SendLoop::run(std::stop_token stop) {
  std::stop_callback wake_on_stop(stop, [this] { sender_.wakeup(); });
  std::optional<Clock::time_point> drain_deadline;
  for (;;) {
    if (stop.stop_requested() && !drain_deadline) {
      // What waits for its slot stays leased: the store thread hands it back.
      drain_deadline = Clock::now() + options_.shutdown_grace;
      std::size_t gated = 0;
      for (const auto& [name, held] : gated_) gated += held.size();
      spdlog::info("event=dispatcher.stopping in_flight={} not_started={}", in_flight_.size(),
                   waiting_.size() + gated);
    }
    if (drain_deadline && (in_flight_.empty() || Clock::now() >= *drain_deadline)) break;
    if (!drain_deadline) {
      take_claimed();
      release_due(Clock::now());
    }
    const auto wait = drain_deadline ? milliseconds(100) : next_wait(Clock::now());
    for (auto& c : sender_.poll(wait)) finish(c.tag, c.answer, c.latency);
  }
}

}  // namespace araldo::dispatch
