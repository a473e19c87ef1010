#include "daemon/intake/corrections.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "daemon/model/json_body.hpp"
#include "daemon/store/delivery_actions_store.hpp"

namespace araldo::intake {
namespace {

using channels::Action;

// The published parts of one target, in order.
using Posts = std::vector<store::PublishedPost>;
using PostsByTarget = std::map<std::pair<std::string, std::string>, Posts>;

PostsByTarget by_target(const std::vector<store::PublishedPost>& posts) {
  PostsByTarget out;
  for (const auto& p : posts) out[{p.channel, p.target}].push_back(p);
  return out;
}

// A post whose send is in flight has no platform id yet: its correction waits for it.
bool in_flight(const Posts& posts) {
  return std::any_of(posts.begin(), posts.end(), [](const auto& p) { return p.in_flight; });
}

}  // namespace

Corrections::Corrections(store::Database& db, const channels::ChannelSet& channels,
                         const render::Renderer& renderer, const AlertIntake& intake)
    : db_(db), channels_(channels), renderer_(renderer), intake_(intake) {}

std::optional<Cancelled> Corrections::cancel(const std::string& alert_id,
                                             const std::string& actor) const {
  const auto original = store::find_alert(db_, alert_id, 0);
  if (!original) return std::nullopt;
  auto alert = model::alert_from_document(original->document);
  if (!alert) throw std::runtime_error("alert " + alert_id + " cannot be read back");

  Cancelled out;
  // Nothing more goes out first; then what did go out is acted on.
  out.stopped = *store::cancel_alert(db_, actor, alert_id);

  auto notice = *alert;  // the same alert, saying it is cancelled
  notice.msg_type = "Cancel";
  notice.references = {alert_id};
  notice.channels.clear();
  notice.send_at.reset();
  // A cancellation must reach the posts even after the alert itself expired.
  notice.expires.reset();
  store::NewAlert cancel{notice, {}, {}, actor, std::nullopt, std::nullopt, {}};
  for (const auto& [key, posts] : by_target(store::published_posts(db_, alert_id))) {
    const auto* channel = channels_.find(key.first);
    if (!channel) {
      spdlog::warn(
          "event=alert.cancel_skipped alert_id={} channel={} reason=\"no longer "
          "configured\"",
          alert_id, key.first);
      continue;
    }
    const auto& language = posts.front().language;
    const auto rendered = renderer_.render(*channel, notice, language);
    auto split = channel->split(rendered.text, rendered.language);
    if (const auto* why = std::get_if<std::string>(&split)) {
      spdlog::error("event=alert.cancel_notice_failed alert_id={} channel={} reason=\"{}\"",
                    alert_id, key.first, *why);
      continue;
    }
    const auto& texts = std::get<std::vector<std::string>>(split);
    auto action = channel->on_cancel();
    // Each post is edited to its part of the notice: more parts than posts do not fit.
    if (action == Action::edit && texts.size() > posts.size()) action = Action::reply;
    store::NewDelivery d{key.first, channel->settings().type, key.second, {}};
    if (action == Action::remove) {
      for (const auto& post : posts) {
        store::RenderedPart part{rendered.language, "", "remove", post.delivery_id, std::nullopt};
        if (post.part == 1) part.fallback_text = texts.front();
        d.parts.push_back(std::move(part));
      }
    } else if (action == Action::edit) {
      // Every part of a long message is corrected, not only the first: each post becomes
      // its part of the notice, and posts beyond the notice's length are removed where
      // the platform can (else they repeat its last part). A refused first edit falls
      // back to a reply holding the notice's first part.
      const bool removable = channel->supports(Action::remove);
      for (std::size_t k = 0; k < posts.size(); ++k) {
        const bool has_text = k < texts.size();
        d.parts.push_back({rendered.language, has_text ? texts[k] : (removable ? "" : texts.back()),
                           has_text || !removable ? "edit" : "remove", posts[k].delivery_id,
                           k == 0 ? std::optional<std::string>(texts.front()) : std::nullopt});
      }
    } else {
      for (std::size_t k = 0; k < texts.size(); ++k) {
        d.parts.push_back(
            {rendered.language, texts[k], k == 0 ? "reply" : "send",
             k == 0 ? std::optional<long long>(posts.front().delivery_id) : std::nullopt,
             std::nullopt});
      }
    }
    d.waits_for_post = in_flight(posts);
    out.follow_ups += static_cast<int>(d.parts.size());
    cancel.deliveries.push_back(std::move(d));
  }
  auto result = intake_.submit(cancel);
  if (const auto* p = std::get_if<http::Problem>(&result)) {
    throw std::runtime_error("the cancel message was refused: " + p->detail);
  }
  out.cancel_id = std::get<Accepted>(result).alert.id;
  spdlog::warn("event=alert.cancelled alert_id={} actor={} stopped={} follow_ups={} cancel_id={}",
               alert_id, actor, out.stopped, out.follow_ups, *out.cancel_id);
  return out;
}

IntakeResult Corrections::update(const std::string& alert_id, std::string_view body,
                                 const std::string& actor) const {
  if (!store::find_alert(db_, alert_id, 0)) {
    return http::not_found("no alert with id " + alert_id);
  }
  auto parsed = model::parse_json_body(body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) return model::to_problem(*e);
  auto prepared = intake_.prepare(std::get<boost::json::value>(parsed), actor,
                                  std::chrono::system_clock::now(), alert_id);
  if (auto* p = std::get_if<http::Problem>(&prepared)) return *p;
  auto& update = std::get<store::NewAlert>(prepared);

  // The original's unsent messages never go out after the update.
  store::cancel_alert(db_, actor, alert_id, "alert.superseded");
  const auto posts = by_target(store::published_posts(db_, alert_id));
  for (auto& d : update.deliveries) {
    const auto found = posts.find({d.channel, d.target});
    const auto* channel = channels_.find(d.channel);
    if (found == posts.end() || !channel || d.parts.empty()) continue;
    auto& first = d.parts.front();
    first.refers_to = found->second.front().delivery_id;
    d.waits_for_post = in_flight(found->second);
    if (channel->on_update() == Action::edit && d.parts.size() == 1) {
      first.action = "edit";
      first.fallback_text = first.text;
    } else {
      first.action = "reply";
    }
  }
  return intake_.submit(update);
}

}  // namespace araldo::intake
