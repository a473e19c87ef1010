#pragma once
// The consent rules, in one place for every way a subscription changes (a citizen's word
// on the platform, an admin's add, remove or import, a platform saying the citizen
// blocked the bot). The newest statement of the citizen's will wins, by the time it was
// given, whatever order the daemons see them in: an opt-in older than the latest opt-out
// changes nothing ("stale"), nor does an opt-out older than the current consent. A
// withdrawal is kept in opt_outs after the subscriber row is gone. Audit events name the
// citizen by pseudonym; the `pseudonyms` table maps it back, until an erasure.
#include <boost/json/object.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "daemon/privacy/pseudonyms.hpp"

namespace araldo::store {

struct ConsentChange {
  std::string channel;
  std::string address;
  long long at = 0;  // Unix seconds when it was asked for; 0: now
  std::string evidence;
  std::string actor;                // "citizen", "system", or an API key's name
  boost::json::object detail = {};  // more for the audit event (the platform's item key)
};

struct ConsentOutcome {
  bool applied = false;  // false: stale, nothing changed
  std::string language;  // the language the subscriber had (opt-out) or now has (opt-in)
  bool was_subscribed = false;
};

// Takes the locks that order changes of one address: every change of (channel, address)
// runs one at a time, and a bulk import runs alone against them (lock_for_import).
void lock_address(pqxx::work& tx, const std::string& channel, const std::string& address);
void lock_for_import(pqxx::work& tx);

// Both audit (subscriber.opted_in / subscriber.opted_out, or subscriber.stale) and record
// the pseudonym. `kind`: stop, blocked, admin, erasure.
ConsentOutcome opt_in(pqxx::work& tx, const ConsentChange& c, const std::string& language,
                      const privacy::Pseudonyms& pseudonyms);
ConsentOutcome opt_out(pqxx::work& tx, const ConsentChange& c, const std::string& kind,
                       const privacy::Pseudonyms& pseudonyms);

// Stops or resumes scheduled notices for a subscriber (WhatsApp's marketing opt-out),
// ordered by time like consent. Returns the item's outcome: notices_stopped,
// notices_resumed, stale, or not_subscribed (nothing to change). Audited when applied.
std::string set_notice_preference(pqxx::work& tx, const ConsentChange& c, bool stop,
                                  const privacy::Pseudonyms& pseudonyms);

// The pseudonym of `address` (itself when it is one already: an erased subscriber's).
std::string audit_pseudonym(const std::string& address, const privacy::Pseudonyms& pseudonyms);

// The pseudonym of `address`, remembered so that an admin can resolve it.
std::string pseudonym_for_audit(pqxx::work& tx, const std::string& address,
                                const privacy::Pseudonyms& pseudonyms);

// `text` (a platform's refusal, which may quote the number) with `address` replaced by
// `pseudonym`.
std::string with_pseudonym(std::string text, const std::string& address,
                           const std::string& pseudonym);

}  // namespace araldo::store
