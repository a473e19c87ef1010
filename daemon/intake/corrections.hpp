#pragma once
// Cancel and update reach what was already published. A cancel stops what an alert has
// not sent and, on every post it did publish, does what the channel's on_cancel says:
// edit it to say it is cancelled, remove it, or reply with a notice (a refused edit or
// removal falls back to the notice). An update is a new alert (CAP msgType Update,
// references the original) whose deliveries edit or answer the original's posts per
// on_update; what the original had not sent yet is superseded, never sent after it.
// Both are written as alerts of their own, so every follow-up is a delivery like any
// other: queued, retried, rate-limited, recorded and audited.
#include <optional>
#include <string>
#include <string_view>

#include "daemon/intake/alert_intake.hpp"

namespace araldo::intake {

struct Cancelled {
  int stopped = 0;                       // deliveries that will not be sent
  int follow_ups = 0;                    // edits, removals and notices queued
  std::optional<std::string> cancel_id;  // the Cancel message that carries them
};

class Corrections {
 public:
  Corrections(store::Database& db, const channels::ChannelSet& channels,
              const render::Renderer& renderer, const AlertIntake& intake);

  // nullopt: no such alert.
  std::optional<Cancelled> cancel(const std::string& alert_id, const std::string& actor) const;
  // The update's body is a whole alert, as for POST /v1/alerts; a 404 problem when there is
  // no such original.
  IntakeResult update(const std::string& alert_id, std::string_view body,
                      const std::string& actor) const;

 private:
  store::Database& db_;
  const channels::ChannelSet& channels_;
  const render::Renderer& renderer_;
  const AlertIntake& intake_;
};

}  // namespace araldo::intake
