#include "daemon/intake/alert_intake.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "daemon/model/cap_datetime.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::intake {
namespace {

using http::FieldError;
using http::Problem;

const std::string kAlertInvalid = "The alert is not valid";

Problem idempotency_conflict(const std::string& alert_id) {
  return Problem{409,
                 "idempotency-key-reused",
                 "Idempotency-Key reused with a different body",
                 "this key already sent alert " + alert_id +
                     " with another body; nothing was sent now. Use a new key for a new alert.",
                 {http::in_header("Idempotency-Key", "already used within 24 hours")}};
}

}  // namespace

std::variant<std::vector<const channels::Channel*>, Problem> resolve_channels(
    const channels::ChannelSet& set, const model::Alert& alert) {
  // Which enabled channels take an alert of this status and scope, for the messages.
  auto takers = [&] {
    std::string names;
    for (const auto* c : set.enabled()) {
      if (c->settings().takes(alert.status, alert.scope)) {
        names += (names.empty() ? "" : ", ") + c->name();
      }
    }
    return names.empty() ? std::string("none is configured for it") : "those that do: " + names;
  };
  const bool draft = alert.status == "Draft";  // stored, never sent
  const auto& names = alert.channels;
  std::vector<const channels::Channel*> out;
  if (names.empty()) {
    if (draft) return out;
    for (const auto* c : set.enabled()) {
      if (c->settings().takes(alert.status, alert.scope)) out.push_back(c);
    }
    if (out.empty()) {
      if (model::is_public(alert)) {
        return http::unprocessable({{"/channels", "no channel is enabled by default; name one"}},
                                   kAlertInvalid);
      }
      return http::unprocessable(
          {{alert.status != "Actual" ? "/status" : "/scope",
            "no enabled channel takes " + alert.status + " alerts of scope " + alert.scope +
                " (a channel says which with statuses: and scopes: in the configuration)"}},
          kAlertInvalid);
    }
    return out;
  }
  std::string configured;
  for (const auto& c : set.all()) configured += (configured.empty() ? "" : ", ") + c->name();
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto* c = set.find(names[i]);
    const auto pointer = "/channels/" + std::to_string(i);
    if (!c) {
      errors.push_back(
          {pointer, "unknown channel '" + names[i] + "' (configured: " + configured + ")"});
    } else if (!c->settings().enabled) {
      errors.push_back({pointer, "channel '" + names[i] + "' is disabled in the configuration"});
    } else if (!draft && !c->settings().takes(alert.status, alert.scope)) {
      errors.push_back(
          {pointer, "channel '" + names[i] + "' " +
                        (c->settings().is_public() ? "is public: it takes only Actual alerts "
                                                     "of scope Public"
                                                   : "does not take " + alert.status +
                                                         " alerts of scope " + alert.scope) +
                        "; this alert is " + alert.status + ", scope " + alert.scope + " (" +
                        takers() + ")"});
    } else if (!draft) {
      out.push_back(c);
    }
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors), kAlertInvalid);
  return out;
}

AlertIntake::AlertIntake(store::Database& db, const channels::ChannelSet& channels,
                         const render::Renderer& renderer, model::AlertDefaults defaults,
                         std::function<void()> new_work, GroupCommitOptions group_commit,
                         ApprovalPolicy approval)
    : db_(db),
      channels_(channels),
      renderer_(renderer),
      defaults_(std::move(defaults)),
      approval_(std::move(approval)),
      group_commit_(std::make_unique<GroupCommit>(db, group_commit, std::move(new_work))) {}

AlertIntake::~AlertIntake() = default;

std::optional<IntakeResult> AlertIntake::replay(const std::string& actor,
                                                const store::IdempotencyKey& key) const {
  auto prior = store::find_idempotent(db_, actor, key.key);
  if (!prior) return std::nullopt;
  if (prior->body_sha256 != key.body_sha256) return idempotency_conflict(prior->alert.id);
  spdlog::info("event=alert.replayed alert_id={} actor={} idempotency_key=\"{}\"", prior->alert.id,
               actor, key.key);
  return Accepted{prior->alert, true, std::nullopt};
}

std::variant<store::NewAlert, Problem> AlertIntake::prepare(
    const boost::json::value& doc, const std::string& actor,
    std::chrono::system_clock::time_point now, const std::optional<std::string>& updates) const {
  auto validated = model::alert_from_json(doc, defaults_, now);
  if (auto* errors = std::get_if<std::vector<FieldError>>(&validated)) {
    return http::unprocessable(std::move(*errors), kAlertInvalid);
  }
  auto& alert = std::get<model::Alert>(validated);
  if (updates) {
    alert.msg_type = "Update";
    alert.references = {*updates};
  }
  // The id is chosen now: a text shortened for a platform links to the alert's public page.
  const auto id = store::new_alert_id();
  if (!defaults_.public_url.empty() && model::is_public(alert)) {
    alert.public_page = defaults_.public_url + "/public/alerts/" + id;
  }

  auto resolved = resolve_channels(channels_, alert);
  if (auto* p = std::get_if<Problem>(&resolved)) return *p;

  std::vector<store::NewDelivery> deliveries;
  std::vector<store::SubscriberFanout> fanouts;
  std::vector<FieldError> render_errors;
  for (const auto* channel : std::get<std::vector<const channels::Channel*>>(resolved)) {
    // Rendered and split once per language, whatever the number of targets.
    std::map<std::string, std::optional<std::vector<store::RenderedPart>>> cache;
    auto parts_for = [&](const std::string& language) {
      auto [it, fresh] = cache.try_emplace(language);
      if (!fresh) return it->second;
      const auto rendered = renderer_.render(*channel, alert, language);
      auto split = channel->split(rendered.text, rendered.language);
      if (auto* why = std::get_if<std::string>(&split)) {
        render_errors.push_back({"", "for channel '" + channel->name() + "' (language " +
                                         rendered.language + "): " + *why +
                                         " (shorten the description or instruction)"});
      } else {
        std::vector<store::RenderedPart> parts;
        for (auto& text : std::get<std::vector<std::string>>(split)) {
          parts.push_back({rendered.language, std::move(text)});
        }
        it->second = std::move(parts);
      }
      return it->second;
    };
    if (channel->subscribers()) {
      // Subscribers store their primary language, and only the alert's own languages
      // render differently from the fallback: no look-up of who speaks what.
      store::SubscriberFanout fanout{channel->name(), channel->settings().type, {}, {}};
      std::set<std::string> languages{model::primary_language(alert.language)};
      for (const auto& t : alert.translations) {
        languages.insert(model::primary_language(t.language));
      }
      for (const auto& language : languages) {
        if (auto parts = parts_for(language)) fanout.by_language[language] = std::move(*parts);
      }
      if (auto parts = parts_for("")) fanout.fallback = std::move(*parts);
      fanouts.push_back(std::move(fanout));
      continue;
    }
    for (const auto& target : channel->targets()) {
      if (auto parts = parts_for(target.language)) {
        deliveries.push_back({channel->name(), channel->settings().type, target.address,
                              std::move(*parts), false, channel->settings().zones});
      }
    }
  }
  if (!render_errors.empty()) return http::unprocessable(std::move(render_errors), kAlertInvalid);
  store::NewAlert out{
      alert, std::move(deliveries), std::move(fanouts), actor, std::nullopt, std::nullopt, id};
  if (approval_.applies_to(alert.severity) && alert.status != "Draft") {
    out.approval_expires_at = model::format_cap_datetime(
        std::chrono::floor<std::chrono::seconds>(now) + approval_.timeout);
  }
  return out;
}

IntakeResult AlertIntake::accept(std::string_view body, const std::string& actor,
                                 const std::optional<std::string>& idempotency_key,
                                 bool notice) const {
  std::optional<store::IdempotencyKey> idempotency;
  if (idempotency_key) {
    idempotency = store::IdempotencyKey{*idempotency_key, text::sha256_hex(body)};
    if (auto replayed = replay(actor, *idempotency)) return *replayed;
  }
  auto parsed = model::parse_json_body(body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) return model::to_problem(*e);
  auto prepared =
      prepare(std::get<boost::json::value>(parsed), actor, std::chrono::system_clock::now());
  if (auto* p = std::get_if<Problem>(&prepared)) return *p;
  auto& submitted = std::get<store::NewAlert>(prepared);
  submitted.idempotency = idempotency;
  submitted.notice = notice;
  return submit(submitted);
}

IntakeResult AlertIntake::submit(store::NewAlert& submitted) const {
  const auto& actor = submitted.actor;
  const auto& idempotency = submitted.idempotency;
  const auto outcome = group_commit_->submit(submitted);
  switch (outcome.refused) {
    case store::InsertOutcome::Refused::nothing_to_deliver:
      return http::unprocessable(
          {{submitted.alert.geometry.targets_everyone()  ? "/channels"
            : !submitted.alert.geometry.polygons.empty() ? "/polygons"
            : !submitted.alert.geometry.circles.empty()  ? "/circles"
                                                         : "/geocodes",
            submitted.alert.geometry.targets_everyone()
                ? "no message to send: the chosen channels have no targets or subscribers"
                : "no message to send: no target or subscriber of the chosen channels is in "
                  "the alert's area (its zones, and those bound to none)"}});
    case store::InsertOutcome::Refused::idempotency_taken:
      // The same key committed first in a concurrent request: answer as it did.
      if (auto replayed = replay(actor, *idempotency)) return *replayed;
      throw std::runtime_error("Idempotency-Key taken, but its alert cannot be found");
    case store::InsertOutcome::Refused::no:
      break;
  }
  spdlog::info("event=alert.accepted alert_id={} actor={} severity={} deliveries={} approval={}",
               outcome.accepted.id, actor, submitted.alert.severity, outcome.accepted.deliveries,
               submitted.approval_expires_at ? "awaiting" : "none");
  return Accepted{outcome.accepted, false, submitted.approval_expires_at};
}

}  // namespace araldo::intake
