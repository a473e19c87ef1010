#pragma once
// Accepting an alert, whoever asks: POST /v1/alerts and the schedules firing. Validates
// the body, resolves its channels, renders and splits every text, then queues it through
// the group commit. An Idempotency-Key makes a repeated request return the first answer.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "channels/registry.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/intake/approval_policy.hpp"
#include "daemon/intake/group_commit.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/render/renderer.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::intake {

struct Accepted {
  store::AcceptedAlert alert;
  bool replayed = false;                           // the Idempotency-Key had already sent it
  std::optional<std::string> approval_expires_at;  // held for a second operator until then
};

using IntakeResult = std::variant<Accepted, http::Problem>;

// The channels an alert goes to: those it names, or every enabled one that takes its CAP
// status and scope; none for a Draft. Or why not (a public channel named for a drill).
std::variant<std::vector<const channels::Channel*>, http::Problem> resolve_channels(
    const channels::ChannelSet& set, const model::Alert& alert);

class AlertIntake {
 public:
  // `new_work` is called after alerts commit, to wake the dispatchers.
  AlertIntake(
      store::Database& db, const channels::ChannelSet& channels, const render::Renderer& renderer,
      model::AlertDefaults defaults, std::function<void()> new_work = [] {},
      GroupCommitOptions group_commit = {}, ApprovalPolicy approval = {});
  ~AlertIntake();  // answers what is queued, then stops the committers

  // Everything short of writing: the alert rendered for every target, or what is wrong
  // with it (pointers into `doc`).
  // With `updates`: an update of that alert (CAP msgType Update), rendered as one.
  std::variant<store::NewAlert, http::Problem> prepare(
      const boost::json::value& doc, const std::string& actor,
      std::chrono::system_clock::time_point now,
      const std::optional<std::string>& updates = std::nullopt) const;

  // POST /v1/alerts/preview: what every channel would publish, in each language its
  // targets asked for, part by part with the platform's own measure, and every problem
  // found (a text too long even in parts, a missing translation, a language without an
  // approved template, a channel that reaches nobody). Writes nothing.
  std::variant<boost::json::object, http::Problem> preview(
      std::string_view body, std::chrono::system_clock::time_point now) const;

  // Writes a prepared alert through the group commit (an alert that reaches nobody, or a
  // key another request took first, is refused on its own).
  IntakeResult submit(store::NewAlert& submitted) const;

  // Parses, prepares and writes `body`; with a key, a repeat of the same body is answered
  // with the first alert, and another body with a 409 problem. `notice`: a scheduled
  // notice (store::NewAlert::notice).
  IntakeResult accept(std::string_view body, const std::string& actor,
                      const std::optional<std::string>& idempotency_key, bool notice = false) const;

 private:
  std::optional<IntakeResult> replay(const std::string& actor,
                                     const store::IdempotencyKey& key) const;

  store::Database& db_;
  const channels::ChannelSet& channels_;
  const render::Renderer& renderer_;
  model::AlertDefaults defaults_;
  ApprovalPolicy approval_;
  std::unique_ptr<GroupCommit> group_commit_;
};

}  // namespace araldo::intake
