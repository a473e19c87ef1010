#pragma once
// What the queue of deliveries hands out and takes back: claimed deliveries, their send
// slots, and the record of each attempt. Plain data, shared by the dispatcher (which
// sees only this and delivery_queue.hpp) and the store that keeps the queue.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/delivery/effects.hpp"
#include "daemon/delivery/rate_slots.hpp"

namespace araldo::delivery {

struct ClaimedDelivery {
  long long id = 0;
  std::string alert_id;
  std::string channel;
  std::string target;
  std::string rendered_text;
  int attempt = 0;         // this attempt's number, starting at 1
  bool reclaimed = false;  // its previous lease expired: a worker died holding it
  int part = 1;
  int parts = 1;
  std::optional<std::string> previous_part_id;  // the platform's id of part - 1
  // A follow-up acts on a published post: send, edit, remove or reply (channels::Action's
  // names), on the post with platform id subject_id; with a fallback, a refused edit or
  // removal becomes a reply.
  std::string action = "send";
  std::optional<std::string> subject_id;
  bool has_fallback = false;
  // How long its alert stays valid from now (its expiry, or `validity_without_expiry`
  // after acceptance).
  std::chrono::milliseconds valid_for{0};
  // Its send slot under the channel's rate (claim_paced); the default means at once.
  std::chrono::steady_clock::time_point release_at{};
  // No later than its lease began (taken before the claim was asked for): the send thread
  // counts the lease from here, never from when the delivery reached it.
  std::chrono::steady_clock::time_point leased_at{};
  // When its alert was accepted (or scheduled to go), for accept-to-platform latency.
  std::chrono::system_clock::time_point accepted_at{};
  std::string language;  // of its text
  // Its alert asks for an acknowledgement and this is a subscriber's last part: it
  // carries the answer buttons.
  bool asks_ack = false;
};

// Which channels a claim or a wake-up time looks at.
struct ChannelFilter {
  std::vector<std::string> channels;
  bool only_these = false;  // false: every channel but these (none: all of them)
};

// A channel's rate, and how far ahead send slots are granted.
struct PacedClaimRate {
  delivery::RateShape shape;
  std::chrono::microseconds lookahead{500'000};
};

struct PacedClaim {
  std::vector<ClaimedDelivery> claimed;        // each with its release_at slot
  bool limited_by_rate = false;                // the rate, not the queue or `limit`, stopped it
  std::chrono::milliseconds next_claim_in{0};  // when more slots fall within the lookahead
};

// One attempt as it is written: the facts (for the delivery.attempt audit event and the
// metrics) and what they do (Effects, from lifecycle.hpp's plan()).
struct AttemptRecord {
  long long delivery_id = 0;
  std::string alert_id;
  std::string channel;
  std::string target;
  int part = 1;
  int parts = 1;
  int attempt = 0;
  std::string action = "send";
  std::string outcome;  // delivered / retry_after / transient / permanent / deferred
  std::optional<long> http_status;
  long latency_ms = 0;
  std::optional<std::string> platform_id;  // as the platform gave it (storable)
  std::optional<std::string> error;        // the platform's answer, when it refused
  Effects effects;
  std::chrono::system_clock::time_point accepted_at{};
};

// What became of one record.
struct Recorded {
  bool written = false;  // false: the lease was lost, the worker that took over records
  // The database refused the record (a value it cannot keep, a constraint): the delivery
  // was written as failed with this reason instead.
  std::optional<std::string> refused;
};

}  // namespace araldo::delivery
