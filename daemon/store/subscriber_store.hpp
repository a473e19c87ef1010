#pragma once
// Subscribers of subscription channels (WhatsApp): citizens who gave consent to receive
// alerts at their number, in their language. Every change is audited with its actor.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct Subscriber {
  std::string address;     // E.164 digits, no '+'
  std::string language;    // primary subtag, lowercase
  std::string consent_at;  // timestamp with a time zone, as given
};

struct UpsertResult {
  long long added = 0;
  long long updated = 0;  // already subscribed: language and consent time replaced
};

// A value PostgreSQL refused although the API's checks let it by (they check what it
// checks, so this is a gap in them); nothing was written.
struct ValueRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// All of them in one statement, whatever their number; all or nothing. Throws
// ValueRefused.
UpsertResult upsert_subscribers(pqxx::connection& conn, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor);

// False when the address was not subscribed.
bool remove_subscriber(pqxx::connection& conn, const std::string& channel,
                       const std::string& address, const std::string& actor);

// Subscribers per language.
std::map<std::string, long long> count_subscribers(pqxx::connection& conn,
                                                   const std::string& channel);

// The languages a channel's subscribers asked for.
std::vector<std::string> subscriber_languages(pqxx::connection& conn, const std::string& channel);

// The same, each on a pooled connection.
UpsertResult upsert_subscribers(Database& db, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor);
bool remove_subscriber(Database& db, const std::string& channel, const std::string& address,
                       const std::string& actor);
std::map<std::string, long long> count_subscribers(Database& db, const std::string& channel);

}  // namespace araldo::store
