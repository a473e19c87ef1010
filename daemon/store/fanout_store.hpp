#pragma once
// Audiences written after acceptance (schema/024_fanouts.sql): the intake keeps a large
// subscriber fan-out as a rule, and expand_fanout() writes its deliveries in chunks, a
// little ahead of sending, so neither the 202 nor the queue grows with the audience.
//
// Every statement that acts on all deliveries of an alert (cancel, approval, rejection,
// approval expiry, follow-up) first locks the alert's row, alone, and only then reads the
// deliveries; a chunk holds the same lock while it reads the alert's state and writes. So
// either the act sees the chunk's rows, or the chunk sees the act (a cancelled alert's
// audience stops being written; an approved one's is due at once).
#include <optional>
#include <string>

#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

struct FanoutChunk {
  std::string alert_id;
  std::string channel;
  long long subscribers = 0;  // written by this chunk
  long long written = 0;      // by every chunk so far
  long long audience = 0;     // counted at acceptance
  long long refused = 0;      // skipped: the database refused their delivery (audited)
  // Set when the audience is done: written, or cancelled, expired, rejected (the rest
  // is not written).
  std::string outcome;
};

struct FanoutOptions {
  long long chunk = 20'000;  // subscribers per transaction
  // An audience is written further only while fewer than this many of its deliveries
  // wait to be sent: the queue stays short, and claims stay fast, whatever the audience.
  long long window = 40'000;
};

// Writes one chunk of the audience that most needs it (by priority, then oldest), or
// finishes an audience whose alert was cancelled, expired or rejected. nullopt when no
// audience may be written now. Every daemon may call it: audiences are taken with SKIP
// LOCKED, and the chunk and its cursor commit together. A subscriber whose delivery the
// database refuses is skipped and audited (alert.fanout_refused) under their pseudonym; an
// audience of which nobody can be written ends failed.
std::optional<FanoutChunk> expand_fanout(Database& db, const FanoutOptions& options,
                                         const privacy::Pseudonyms& pseudonyms);

}  // namespace araldo::store
