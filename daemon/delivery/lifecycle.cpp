#include "daemon/delivery/lifecycle.hpp"

#include <array>

namespace araldo::delivery {
namespace {

using State = DeliveryState;
constexpr std::array all_states{State::pending, State::sending, State::sent,     State::retrying,
                                State::failed,  State::expired, State::cancelled};

bool unsent(State s) {
  return s == State::pending || s == State::retrying;
}

}  // namespace

std::string_view to_string(Event event) {
  switch (event) {
    case Event::claim:
      return "claim";
    case Event::reclaim:
      return "reclaim";
    case Event::release:
      return "release";
    case Event::abandon:
      return "abandon";
    case Event::cancel:
      return "cancel";
    case Event::supersede:
      return "supersede";
    case Event::expire:
      return "expire";
    case Event::operator_retry:
      return "operator_retry";
    case Event::withhold:
      return "withhold";
  }
  return "unknown";
}

std::optional<DeliveryState> after(DeliveryState from, Event event) {
  switch (event) {
    case Event::claim:
      if (unsent(from)) return State::sending;
      break;
    case Event::reclaim:
      if (from == State::sending) return State::sending;
      break;
    case Event::release:
      if (from == State::sending) return State::retrying;
      break;
    case Event::abandon:
      if (from == State::sending) return State::failed;
      break;
    case Event::cancel:
    case Event::supersede:
      // A send in flight finishes and is recorded; its correction follows it (plan()).
      if (unsent(from)) return State::cancelled;
      break;
    case Event::expire:
      // A dead worker's lease counts as unsent: nobody will record its answer.
      if (unsent(from) || from == State::sending) return State::expired;
      break;
    case Event::operator_retry:
      if (from == State::failed) return State::pending;
      break;
    case Event::withhold:
      if (unsent(from)) return State::failed;
      break;
  }
  return std::nullopt;
}

std::vector<DeliveryState> states_where(Event event) {
  std::vector<DeliveryState> out;
  for (const auto s : all_states) {
    if (after(s, event)) out.push_back(s);
  }
  return out;
}

std::string sql_states(Event event) {
  std::string out;
  for (const auto s : states_where(event)) {
    if (!out.empty()) out += ',';
    out += '\'';
    out += model::to_string(s);
    out += '\'';
  }
  return out;
}

bool is_final(DeliveryState state) {
  return state == State::sent || state == State::failed || state == State::expired ||
         state == State::cancelled;
}

Effects plan(const ClaimedDelivery& d, const channels::Outcome& outcome, const RetryPolicy& policy,
             double random01, std::chrono::milliseconds elapsed) {
  using Kind = channels::Outcome::Kind;
  const auto decision = decide(policy, outcome, d.attempt, random01, d.valid_for - elapsed);
  Effects e;
  e.next_state = decision.next_state;
  e.due_in = decision.retry_in;
  e.reason = decision.reason;

  if (outcome.moved_to) {
    // Sent nowhere yet: the same message goes to the new address at once.
    e.next_state = State::retrying;
    e.due_in = std::chrono::milliseconds(0);
    e.audit_kind = "delivery.moved";
    e.move = Effects::Move{d.target, *outcome.moved_to,
                           "chat " + d.target + " became " + *outcome.moved_to +
                               ", which receives this alert already"};
    e.wake_channel = true;
    return e;
  }

  if (e.next_state == State::sent) {
    // An edit or a removal answers without a new id: the post it acted on is the one.
    if (!outcome.platform_id.empty()) {
      e.platform_id = outcome.platform_id;
    } else if (d.action != "send" && d.subject_id) {
      e.platform_id = d.subject_id;
    } else {
      // Published, perhaps, but nothing can address it: never sent again (that could
      // publish it twice), and never `sent` without the id a correction needs.
      e.next_state = State::failed;
      e.reason =
          "the platform answered success without an id for the post: it may be"
          " published; not sent again, so as not to publish it twice";
    }
  }

  switch (e.next_state) {
    case State::sent:
      e.audit_kind = "delivery.sent";
      e.reason.clear();
      e.next_part_due = d.part < d.parts;
      e.wake_channel = e.next_part_due;
      break;
    case State::failed:
      if (d.has_fallback && outcome.kind == Kind::permanent &&
          outcome.scope == channels::Scope::target &&
          (d.action == "edit" || d.action == "remove")) {
        // The platform refused to edit or remove this post (too old, say): the notice
        // goes out as a reply instead, at once.
        e.next_state = State::pending;
        e.due_in = std::chrono::milliseconds(0);
        e.audit_kind = "delivery.fell_back";
        e.fall_back_to_reply = true;
        e.wake_channel = true;
        break;
      }
      e.audit_kind = "delivery.failed";
      e.withhold_later_parts = d.part < d.parts;
      e.recipient_left = outcome.recipient_left;
      break;
    default:
      e.next_state = State::retrying;
      e.audit_kind = "delivery.retry_scheduled";
      break;
  }
  return e;
}

Effects deferred(std::chrono::milliseconds due_in, std::string reason) {
  Effects e;
  e.next_state = State::retrying;
  e.due_in = due_in;
  e.reason = std::move(reason);
  e.audit_kind = "delivery.retry_scheduled";
  return e;
}

Effects failed_unsent(const ClaimedDelivery& d, std::string reason) {
  Effects e;
  e.next_state = State::failed;
  e.reason = std::move(reason);
  e.audit_kind = "delivery.failed";
  e.withhold_later_parts = d.part < d.parts;
  return e;
}

AttemptRecord record_for(const ClaimedDelivery& d) {
  AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.alert_id = d.alert_id;
  rec.channel = d.channel;
  rec.target = d.target;
  rec.part = d.part;
  rec.parts = d.parts;
  rec.attempt = d.attempt;
  rec.action = d.action;
  rec.accepted_at = d.accepted_at;
  return rec;
}

}  // namespace araldo::delivery
