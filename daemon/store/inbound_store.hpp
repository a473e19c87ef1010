#pragma once
// What the platforms tell Araldo, through the database: webhook bodies and their items
// are stored before the platform gets its 200, then applied by whichever daemon claims
// them (SKIP LOCKED), once each. Receipts update the delivery found by its platform id;
// citizens' opt-ins and opt-outs follow the consent rules (store/consent.hpp); all of it
// audited, citizens by pseudonym.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/inbound/inbound.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

struct StoredItems {
  long long fresh = 0;
  long long duplicate = 0;  // seen before: nothing changes
};

// One statement for the body and all its items; all or nothing.
StoredItems store_inbound(Database& db, const std::string& channel, std::string_view body,
                          const std::vector<channels::InboundItem>& items);

// Same, and moves the channel's poll offset to `next_offset` in the same transaction.
StoredItems store_polled(Database& db, const std::string& channel, std::string_view body,
                         const std::vector<channels::InboundItem>& items, long long next_offset);
// Takes or renews the channel's polling lease for `ttl`; the offset to poll from, or
// nullopt when another daemon holds the lease.
std::optional<long long> lease_polling(Database& db, const std::string& channel,
                                       const std::string& owner, std::chrono::seconds ttl);

// Webhooks refused on one channel in one window, by verdict (bad_signature, unsigned, ...).
struct RefusedWebhooks {
  std::string channel;
  std::chrono::system_clock::time_point from, to;
  std::map<std::string, long long> verdicts;
};
// One audit event (webhook.refused_summary) per channel and window.
void audit_refused_webhooks(Database& db, const std::vector<RefusedWebhooks>& windows);

// A confirmation to send once the change it confirms is committed.
struct PendingAnswer {
  std::string channel;
  std::string address;
  std::string text;
  long long answer_by = 0;  // Unix seconds; 0: no deadline
  std::string item_key;
  std::string press_id = {};  // a button pressed: answered through Inbound::answer_press
  std::vector<channels::Button> buttons = {};  // under the answer (the zones to choose)
};

struct ProcessedBatch {
  long long processed = 0;
  std::vector<std::pair<std::string, std::string>> outcomes;  // (kind, outcome), for metrics
  std::vector<PendingAnswer> answers;
};

using MeaningOf = std::function<std::optional<channels::InboundMeaning>(
    const std::string& channel, const channels::InboundItem& item)>;

// Claims up to `limit` due items, applies what `meaning` says each is (nullopt: the
// channel is gone from the config; the item stays), and marks them processed, in one
// transaction. A receipt for an unknown platform id waits (`retry` at first, longer as it
// ages) and is tried again until it is `give_up` old, then is kept as "unknown_message".
ProcessedBatch process_inbound(Database& db, int limit, const MeaningOf& meaning,
                               std::chrono::seconds retry, std::chrono::seconds give_up,
                               const privacy::Pseudonyms& pseudonyms);

// A confirmation's fate, for the audit log: delivered, a failure's kind, or skipped.
struct AnswerFate {
  const PendingAnswer* answer = nullptr;
  std::string outcome;
  std::string detail;
};
// One transaction for a batch's confirmations.
void audit_answers(Database& db, const std::vector<AnswerFate>& fates,
                   const privacy::Pseudonyms& pseudonyms);

}  // namespace araldo::store
