#pragma once
// The citizens' inbox, for operators:
//   GET  /v1/inbox                  conversations, newest first (?state=new|assigned|answered)
//   GET  /v1/inbox/{id}             one, with its messages
//   POST /v1/inbox/{id}/assign      {"to": "a person"} or {"role": "operator"}
//   POST /v1/inbox/{id}/reply       {"text": "..."}: sent now, through the citizen's channel
// A reply goes as the platform allows: on WhatsApp, free-form text only within 24 hours of
// the citizen's last message, the channel's reply template after that; on Telegram, a
// reply quoting the citizen's message. Citizens appear by pseudonym, never by number.
#include <algorithm>
#include <semaphore>

#include "channels/registry.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::inbound {

class InboxApi {
 public:
  // At most `replies_at_once` replies wait for a platform together: each holds an HTTP
  // thread until the platform answers (up to 15 s), and a platform that hangs must not
  // take every thread, the alerts' intake's too. The rest are answered 503 at once.
  InboxApi(store::Database& db, const channels::ChannelSet& channels,
           const privacy::Pseudonyms& pseudonyms, int replies_at_once)
      : db_(db),
        channels_(channels),
        pseudonyms_(pseudonyms),
        replies_at_once_(std::max(1, replies_at_once)),
        reply_slots_(replies_at_once_) {}

  http::Response list(const api::Call& call) const;
  http::Response show(const api::Call& call) const;
  http::Response assign(const api::Call& call) const;
  http::Response reply(const api::Call& call) const;

 private:
  store::Database& db_;
  const channels::ChannelSet& channels_;
  const privacy::Pseudonyms& pseudonyms_;
  int replies_at_once_;
  mutable std::counting_semaphore<> reply_slots_;
};

}  // namespace araldo::inbound
