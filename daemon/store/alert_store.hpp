#pragma once
// Alerts and their deliveries: written together at intake, read back for status.
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/model/alert.hpp"
#include "daemon/model/delivery_state.hpp"

#include "daemon/store/database.hpp"
#include "daemon/store/reach_store.hpp"

namespace araldo::store {

inline constexpr const char* deliveries_notify_channel = "araldo_deliveries";
// Tells every listening dispatcher that work is due, in a transaction of its own.
void announce_new_work(pqxx::connection& conn);

// One message of a delivery: a long text is sent as parts 1..n, each only after the one
// before it was delivered.
struct RenderedPart {
  RenderedPart(std::string language_, std::string text_, std::string action_ = "send",
               std::optional<long long> refers_to_ = std::nullopt,
               std::optional<std::string> fallback_text_ = std::nullopt)
      : language(std::move(language_)),
        text(std::move(text_)),
        action(std::move(action_)),
        refers_to(refers_to_),
        fallback_text(std::move(fallback_text_)) {}

  std::string language;
  std::string text;
  // A correction's part may act on a published post (delivery refers_to): "edit",
  // "remove" or "reply" (channels::Action's names); a refused edit or removal becomes a
  // reply holding fallback_text.
  std::string action = "send";
  std::optional<long long> refers_to;
  std::optional<std::string> fallback_text;
};

struct NewDelivery {
  std::string channel;
  std::string channel_type;
  std::string target;
  std::vector<RenderedPart> parts;
  // A correction of posts whose send was still in flight: nothing goes until every post
  // it acts on has its outcome (then release_waiting_corrections makes it due).
  bool waits_for_post = false;
  // The zones the target serves (its channel's `zones:`); empty: the whole territory.
  std::vector<std::string> zones = {};
};

// Every subscriber of a channel, each in its language: `by_language` holds the parts
// rendered for each language subscribers asked for; the others get `fallback`.
struct SubscriberFanout {
  std::string channel;
  std::string channel_type;
  std::map<std::string, std::vector<RenderedPart>> by_language;
  std::vector<RenderedPart> fallback;
};

// The alert would reach nobody (a subscription channel without subscribers).
struct NothingToDeliver : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An Idempotency-Key and the SHA-256 of the body it came with.
struct IdempotencyKey {
  std::string key;
  std::string body_sha256;
};

// Another request took the same key between our look-up and our commit.
struct IdempotencyRace : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct AcceptedAlert {
  std::string id;
  std::string accepted_at;
  long long deliveries = 0;  // messages queued, parts counted one by one
};

// One alert to write, with everything rendered: nothing in it needs the database.
// A fresh alert id (a random UUID).
std::string new_alert_id();

struct NewAlert {
  model::Alert alert;
  std::vector<NewDelivery> deliveries;
  std::vector<SubscriberFanout> fanouts;
  std::string actor;
  std::optional<IdempotencyKey> idempotency;
  // Set: held for a second operator's approval until then (a CAP datetime); nothing due.
  std::optional<std::string> approval_expires_at;
  std::string id;  // chosen before rendering (its public page is in the texts); empty: new
  // A scheduled notice, not an emergency: subscribers who stopped non-emergency messages
  // on the platform (WhatsApp's marketing opt-out) are skipped.
  bool notice = false;
};

// What became of one alert of a batch: accepted, or refused on its own.
struct InsertOutcome {
  enum class Refused { no, nothing_to_deliver, idempotency_taken };
  Refused refused = Refused::no;
  AcceptedAlert accepted;  // when not refused
};

// Group commit: every alert of the batch in one transaction and one prepared statement
// (the alerts, the fixed-target deliveries, the subscriber fan-outs, the Idempotency-Keys
// and the audit events as data-modifying CTEs), whatever the batch's size. An alert that would
// reach nobody, or whose key another request took first, is refused alone: the
// transaction is rolled back and written again without it, so its neighbours never see
// its failure. Keys must be distinct within a batch (the caller defers a repeat).
// No NOTIFY inside it: PostgreSQL serialises the commits of transactions that notify, so
// the caller wakes the dispatchers after commit (Dispatcher::new_work).
// A subscription channel with more than `inline_fanout_limit` subscribers is not written
// here: its audience is counted and kept as a rule (a `fanouts` row) that
// expand_fanouts() writes after the commit, so a city-wide alert is accepted in seconds.
inline constexpr long long default_inline_fanout_limit = 10'000;
std::vector<InsertOutcome> insert_alerts(
    pqxx::connection& conn, const std::vector<const NewAlert*>& batch,
    long long inline_fanout_limit = default_inline_fanout_limit);

// A batch of one; NothingToDeliver or IdempotencyRace when it is refused.
AcceptedAlert insert_alert(pqxx::connection& conn, const model::Alert& alert,
                           const std::vector<NewDelivery>& deliveries,
                           const std::vector<SubscriberFanout>& fanouts, const std::string& actor,
                           const std::optional<IdempotencyKey>& idempotency = std::nullopt);

// The alert an actor's Idempotency-Key created within the last 24 hours, with the body
// hash it came with.
struct PriorRequest {
  AcceptedAlert alert;
  std::string body_sha256;
};
std::optional<PriorRequest> find_idempotent(pqxx::connection& conn, const std::string& actor,
                                            const std::string& key);

struct DeliveryStatus {
  long long id = 0;
  std::string channel;
  std::string channel_type;
  std::string target;
  std::string language;
  int part = 1;
  int parts = 1;
  int round = 0;  // 0: as accepted; N: the Nth follow-up
  model::DeliveryState state = model::DeliveryState::pending;
  int attempts = 0;
  std::optional<std::string> next_attempt_at;
  std::optional<std::string> platform_id;
  std::optional<std::string> last_error;
  std::string updated_at;
  std::optional<std::string> finished_at;
  std::string rendered_text;
  // What the platform reported after accepting it (WhatsApp: delivered, read, failed).
  std::optional<std::string> receipt;
  std::optional<std::string> receipt_at;
  std::optional<std::string> receipt_error;
  // A citizen's number or private chat id, and how an auditor sees it: schema/018's
  // araldo_personal_target and araldo_masked, the one place the rule is written.
  bool personal = false;
  std::string masked_target;
};

struct AlertStatus {
  std::string id;
  std::string accepted_at;
  std::string submitted_by;
  std::optional<std::string> send_at;
  std::string state;  // store/alert_state_sql.hpp
  // The two-person rule: awaiting, approved, rejected, expired; empty when not needed.
  std::string approval;
  std::optional<std::string> approval_expires_at;
  std::optional<std::string> approval_decided_by;
  std::optional<std::string> approval_decided_at;
  std::optional<std::string> approval_reason;
  boost::json::value document;
  std::map<std::string, long long> by_state;  // every delivery counted
  std::map<std::string, long long> receipts;  // deliveries by the platform's last receipt
  AlertReach reach;  // whom it reaches: subscribers, public targets, zones touched
  // Per zone the area touched: its subscribers' first parts, as they went.
  struct ZoneOutcome {
    long long queued = 0, sent = 0, delivered = 0, read = 0, failed = 0;
    long long safe = 0, need_help = 0;  // acknowledgements
  };
  std::map<std::string, long long> acknowledgements;  // by answer: safe, need_help
  std::map<std::string, ZoneOutcome> by_zone;
  // Audiences written after acceptance (fanouts), per channel: how far along.
  struct FanoutProgress {
    std::string channel;
    long long audience = 0, written = 0, refused = 0;
    std::string outcome;  // empty while writing; written, cancelled, expired, rejected
  };
  std::vector<FanoutProgress> fanouts;
  long long total = 0;
  std::vector<DeliveryStatus> deliveries;  // the first `limit`, by id
};

std::optional<AlertStatus> find_alert(pqxx::connection& conn, const std::string& id,
                                      int limit = 1000);

// The same, each on a pooled connection.
std::vector<InsertOutcome> insert_alerts(
    Database& db, const std::vector<const NewAlert*>& batch,
    long long inline_fanout_limit = default_inline_fanout_limit);
std::optional<PriorRequest> find_idempotent(Database& db, const std::string& actor,
                                            const std::string& key);
std::optional<AlertStatus> find_alert(Database& db, const std::string& id, int limit = 1000);

// A post an alert published: what a cancel or an update acts on.
struct PublishedPost {
  long long delivery_id = 0;
  std::string channel;
  std::string target;
  std::string language;
  int part = 1;
  std::string platform_id;  // empty while in flight
  bool in_flight = false;   // being sent: its outcome is not recorded yet
};
// The sent parts of alert `alert_id`, and those being sent, by channel, target and part.
std::vector<PublishedPost> published_posts(Database& db, const std::string& alert_id);

}  // namespace araldo::store
