#include "daemon/api/alerts_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "daemon/api/alert_id.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::api {
namespace {

using http::FieldError;
using http::Problem;

const std::string kAlertInvalid = "The alert is not valid";

// Which channels an alert goes to, or why not.
std::variant<std::vector<const channels::Channel*>, Problem> resolve_channels(
    const channels::ChannelSet& set, const std::vector<std::string>& names) {
  std::vector<const channels::Channel*> out;
  if (names.empty()) {
    out = set.enabled();
    if (out.empty()) {
      return http::unprocessable({{"/channels", "no channel is enabled by default; name one"}},
                                 kAlertInvalid);
    }
    return out;
  }
  std::string configured;
  for (const auto& c : set.all()) configured += (configured.empty() ? "" : ", ") + c->name();
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto* c = set.find(names[i]);
    if (!c) {
      errors.push_back({"/channels/" + std::to_string(i),
                        "unknown channel '" + names[i] + "' (configured: " + configured + ")"});
    } else if (!c->settings().enabled) {
      errors.push_back({"/channels/" + std::to_string(i),
                        "channel '" + names[i] + "' is disabled in the configuration"});
    } else {
      out.push_back(c);
    }
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors), kAlertInvalid);
  return out;
}

boost::json::object delivery_json(const store::DeliveryStatus& d) {
  boost::json::object o{{"id", d.id},
                        {"channel", d.channel},
                        {"channel_type", d.channel_type},
                        {"target", d.target},
                        {"language", d.language},
                        {"part", d.part},
                        {"parts", d.parts},
                        {"state", model::to_string(d.state)},
                        {"attempts", d.attempts},
                        {"updated_at", d.updated_at},
                        {"rendered_text", d.rendered_text}};
  o["platform_message_id"] = d.platform_id ? boost::json::value(*d.platform_id) : nullptr;
  o["last_error"] = d.last_error ? boost::json::value(*d.last_error) : nullptr;
  if (d.next_attempt_at) o["next_attempt_at"] = *d.next_attempt_at;
  if (d.finished_at) o["finished_at"] = *d.finished_at;
  return o;
}

http::Response accepted_response(const store::AcceptedAlert& accepted) {
  const std::string location = "/v1/alerts/" + accepted.id;
  boost::json::object body{{"id", accepted.id},
                           {"status", "accepted"},
                           {"accepted_at", accepted.accepted_at},
                           {"deliveries", accepted.deliveries},
                           {"links", {{"self", location}}}};
  auto r = http::Response::json(202, boost::json::serialize(body));
  r.headers.set("Location", location);
  return r;
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

}  // namespace

std::optional<http::Response> AlertsApi::replay_idempotent(
    const std::string& actor, const store::IdempotencyKey& idempotency) const {
  auto prior = store::find_idempotent(db_, actor, idempotency.key);
  if (!prior) return std::nullopt;
  if (prior->body_sha256 != idempotency.body_sha256) {
    return http::Problem{409,
                         "idempotency-key-reused",
                         "Idempotency-Key reused with a different body",
                         "this key already sent alert " + prior->alert.id +
                             " with another body; nothing was sent now. Use a new key for a "
                             "new alert.",
                         {http::in_header("Idempotency-Key", "already used within 24 hours")}}
        .to_response();
  }
  spdlog::info("event=alert.replayed alert_id={} actor={} idempotency_key=\"{}\"", prior->alert.id,
               actor, idempotency.key);
  auto r = accepted_response(prior->alert);
  r.headers.set("Idempotent-Replayed", "true");
  return r;
}

AlertsApi::AlertsApi(store::Database& db, const channels::ChannelSet& channels,
                     const render::Renderer& renderer, model::AlertDefaults defaults,
                     std::function<void()> new_work, intake::GroupCommitOptions group_commit)
    : db_(db),
      channels_(channels),
      renderer_(renderer),
      defaults_(std::move(defaults)),
      group_commit_(std::make_unique<intake::GroupCommit>(db, group_commit, std::move(new_work))) {}

AlertsApi::~AlertsApi() = default;

http::Response AlertsApi::post(const Call& call) const {
  const auto& request = call.request;
  const auto& actor = call.caller.name;
  std::optional<store::IdempotencyKey> idempotency;
  if (auto key = request.headers.find("Idempotency-Key")) {
    if (!valid_idempotency_key(*key)) {
      return http::bad_request(
                 "invalid-idempotency-key",
                 "Idempotency-Key must be 1-255 printable ASCII characters",
                 {http::in_header("Idempotency-Key", "1-255 printable ASCII characters")})
          .to_response();
    }
    idempotency = store::IdempotencyKey{std::string(*key), text::sha256_hex(request.body)};
    if (auto replay = replay_idempotent(actor, *idempotency)) return *replay;
  }

  auto parsed = model::parse_json_body(request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  auto validated = model::alert_from_json(std::get<boost::json::value>(parsed), defaults_,
                                          std::chrono::system_clock::now());
  if (auto* errors = std::get_if<std::vector<FieldError>>(&validated)) {
    return http::unprocessable(std::move(*errors), kAlertInvalid).to_response();
  }
  const auto& alert = std::get<model::Alert>(validated);

  auto resolved = resolve_channels(channels_, alert.channels);
  if (auto* p = std::get_if<Problem>(&resolved)) return p->to_response();

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
        deliveries.push_back(
            {channel->name(), channel->settings().type, target.address, std::move(*parts)});
      }
    }
  }
  if (!render_errors.empty())
    return http::unprocessable(std::move(render_errors), kAlertInvalid).to_response();

  store::NewAlert submitted{alert, std::move(deliveries), std::move(fanouts), actor, idempotency};
  const auto outcome = group_commit_->submit(submitted);
  switch (outcome.refused) {
    case store::InsertOutcome::Refused::nothing_to_deliver:
      return http::unprocessable(
                 {{"/channels",
                   "no message to send: the chosen channels have no targets or subscribers"}})
          .to_response();
    case store::InsertOutcome::Refused::idempotency_taken:
      // The same key committed first in a concurrent request: answer as it did.
      if (auto replay = replay_idempotent(actor, *idempotency)) return *replay;
      throw std::runtime_error("Idempotency-Key taken, but its alert cannot be found");
    case store::InsertOutcome::Refused::no:
      break;
  }
  const auto& accepted = outcome.accepted;
  spdlog::info("event=alert.accepted alert_id={} actor={} severity={} deliveries={}", accepted.id,
               actor, alert.severity, accepted.deliveries);
  return accepted_response(accepted);
}

http::Response AlertsApi::get(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_alert_id(id)) return *bad;
  auto status = store::find_alert(db_, id);
  // A scheduler reads only the alerts it sent.
  if (!status ||
      (call.caller.role == Role::Scheduler && status->submitted_by != call.caller.name)) {
    return http::not_found("no alert with id " + id).to_response();
  }

  boost::json::array deliveries;
  for (const auto& d : status->deliveries) deliveries.push_back(delivery_json(d));
  boost::json::object summary;
  for (const auto& [state, n] : status->by_state) summary[state] = n;
  boost::json::object body{{"id", status->id},
                           {"accepted_at", status->accepted_at},
                           {"submitted_by", status->submitted_by},
                           {"state", status->scheduled ? "scheduled" : "active"},
                           {"alert", status->document},
                           {"summary", std::move(summary)},
                           {"total_deliveries", status->total},
                           {"deliveries", std::move(deliveries)}};
  if (status->send_at) body["send_at"] = *status->send_at;
  // A broadcast to many subscribers lists its first deliveries; the summary counts all.
  if (status->total > static_cast<long long>(status->deliveries.size())) {
    body["deliveries_truncated"] = true;
  }
  return http::Response::json(200, boost::json::serialize(body));
}

}  // namespace araldo::api
