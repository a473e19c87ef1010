#pragma once
// Subscribers of subscription channels (WhatsApp): citizens who gave consent to receive
// alerts at their number, in their language. Every change is audited with its actor.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

struct Subscriber {
  std::string address;     // E.164 digits, no '+'
  std::string language;    // primary subtag, lowercase
  std::string consent_at;  // timestamp with a time zone, as given
  std::size_t line = 0;    // where it was read (a CSV line), for errors
  // The zones chosen (store/zone_store); empty: the whole territory. nullopt: not given,
  // an existing subscriber keeps theirs.
  std::optional<std::vector<std::string>> zones = std::nullopt;
};

// A subscriber given a zone that is not defined.
struct UnknownZone {
  std::size_t index = 0;
  std::string zone;
};

// A subscriber refused because the address opted out and the row brings no consent
// given after that.
struct OptedOut {
  std::size_t index = 0;  // in the subscribers given
  std::string opted_out_at;
  std::string kind;  // stop, blocked, admin, erasure
};

struct UpsertResult {
  long long added = 0;
  long long updated = 0;                   // already subscribed: language and consent time replaced
  std::vector<OptedOut> refused;           // not empty: nothing was written
  std::vector<UnknownZone> unknown_zones;  // not empty: nothing was written
};

// A value PostgreSQL refused although the API's checks let it by (they check what it
// checks, so this is a gap in them); nothing was written.
struct ValueRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// All of them in one statement, whatever their number; all or nothing. An address that
// opted out is refused unless its consent_at is later than the opt-out (then the opt-out
// ends, audited). Throws ValueRefused.
UpsertResult upsert_subscribers(pqxx::connection& conn, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor, const privacy::Pseudonyms& pseudonyms);

// False when the address was not subscribed. Recorded as an opt-out of kind "admin": adding
// the address again needs a consent given after it.
bool remove_subscriber(pqxx::connection& conn, const std::string& channel,
                       const std::string& address, const std::string& actor,
                       const privacy::Pseudonyms& pseudonyms);

// What an erasure changed.
struct Erased {
  std::string pseudonym;  // what the address is now, wherever it was kept
  bool was_subscribed = false;
  long long deliveries = 0;                         // targets replaced by the pseudonym
  long long inbound_items = 0, inbound_bodies = 0;  // the number replaced in what was received
  long long conversations = 0;  // the citizens' inbox: deleted with their messages
};

// Erases an address from a channel (GDPR art. 17), in one transaction: the subscriber row,
// the pseudonym's mapping; in deliveries (target, errors) and webhook bodies and items, the
// number becomes its pseudonym. The withdrawal is kept under the pseudonym (an opt-out of
// kind "erasure"), and `subscriber.erased` audited with the pseudonym only. Events
// written before pseudonyms existed are not rewritten: the log is append-only.
Erased erase_subscriber(Database& db, const std::string& channel, const std::string& address,
                        const std::string& actor, const privacy::Pseudonyms& pseudonyms);

// The number behind a pseudonym, for an admin who must reach that citizen; every lookup is
// audited (pseudonym.resolved, naming the pseudonym only), found or not.
std::optional<std::string> resolve_pseudonym(Database& db, const std::string& pseudonym,
                                             const std::string& actor);

// Subscribers per language.
std::map<std::string, long long> count_subscribers(pqxx::connection& conn,
                                                   const std::string& channel);

// The languages a channel's subscribers asked for.
std::vector<std::string> subscriber_languages(pqxx::connection& conn, const std::string& channel);

// The same, each on a pooled connection.
UpsertResult upsert_subscribers(Database& db, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor, const privacy::Pseudonyms& pseudonyms);
bool remove_subscriber(Database& db, const std::string& channel, const std::string& address,
                       const std::string& actor, const privacy::Pseudonyms& pseudonyms);
std::map<std::string, long long> count_subscribers(Database& db, const std::string& channel);

}  // namespace araldo::store
