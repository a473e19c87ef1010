// POST /v1/alerts/preview: the intake's checks and rendering, and nothing written.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "daemon/intake/alert_intake.hpp"
#include "daemon/model/alert_advice.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/store/reach_store.hpp"

namespace araldo::intake {
namespace {

struct Audience {
  std::string language;  // as the targets asked; empty: the channel's default
  long long targets = 0;
};

// Whether a channel's configured targets get an alert of this reach: bound to no zone,
// or to one the area touches.
bool targets_reached(const channels::Channel& channel, const store::Reach& reach) {
  if (!reach.targeted || channel.settings().zones.empty()) return true;
  for (const auto& z : reach.zones) {
    const auto& bound = channel.settings().zones;
    if (std::find(bound.begin(), bound.end(), z.name) != bound.end()) return true;
  }
  return false;
}

// Who a channel reaches, grouped by the language they asked for.
std::vector<Audience> audiences(const channels::Channel& channel, const store::Reach& reach) {
  std::map<std::string, long long> by_language;
  if (channel.subscribers()) {
    if (const auto it = reach.subscribers.find(channel.name()); it != reach.subscribers.end()) {
      by_language = it->second.by_language;
    }
  } else if (targets_reached(channel, reach)) {
    for (const auto& target : channel.targets()) ++by_language[target.language];
  }
  std::vector<Audience> out;
  for (const auto& [language, n] : by_language) out.push_back({language, n});
  return out;
}

boost::json::object problem(std::string_view severity, const channels::Channel& channel,
                            std::string_view language, std::string detail) {
  boost::json::object o{{"severity", severity}, {"channel", channel.name()}, {"detail", detail}};
  if (!language.empty()) o["language"] = language;
  return o;
}

}  // namespace

std::variant<boost::json::object, http::Problem> AlertIntake::preview(
    std::string_view body, std::chrono::system_clock::time_point now) const {
  auto parsed = model::parse_json_body(body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) return model::to_problem(*e);
  auto validated = model::alert_from_json(std::get<boost::json::value>(parsed), defaults_, now);
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&validated)) {
    return http::unprocessable(std::move(*errors), "The alert is not valid");
  }
  auto& alert = std::get<model::Alert>(validated);
  // The id is chosen when it is sent: a placeholder of the same length keeps every
  // measure exact.
  if (!defaults_.public_url.empty() && model::is_public(alert)) {
    alert.public_page =
        defaults_.public_url + "/public/alerts/00000000-0000-0000-0000-000000000000";
  }
  auto resolved = resolve_channels(channels_, alert);
  if (auto* p = std::get_if<http::Problem>(&resolved)) return *p;

  boost::json::array channels_out;
  boost::json::array problems;
  if (alert.status == "Draft") {
    problems.push_back({{"severity", "warning"}, {"detail", "a Draft is stored and never sent"}});
    return boost::json::object{{"sendable", true},
                               {"channels", std::move(channels_out)},
                               {"problems", std::move(problems)}};
  }
  bool sendable = false;
  const auto& chosen = std::get<std::vector<const channels::Channel*>>(resolved);
  std::vector<std::string> subscription_channels;
  for (const auto* channel : chosen) {
    if (channel->subscribers()) subscription_channels.push_back(channel->name());
  }
  // One look at the database: the zones the area touches and who each channel reaches.
  const auto reach = store::estimate_reach(db_, alert.geometry, subscription_channels);
  long long recipients = 0;
  for (const auto* channel : chosen) {
    boost::json::array renditions;
    auto reached = audiences(*channel, reach);
    for (const auto& zone : channel->settings().zones) {
      if (std::find(reach.defined_zones.begin(), reach.defined_zones.end(), zone) ==
          reach.defined_zones.end()) {
        problems.push_back(problem("warning", *channel, "",
                                   "the configuration binds it to zone '" + zone +
                                       "', which is not defined (GET /v1/zones): alerts with "
                                       "an area never reach it through that zone"));
      }
    }
    if (alert.asks_ack && channel->subscribers()) {
      // Configured chats and public posts never carry buttons; a subscriber's message may.
      if (auto why = channel->answer_buttons_problem()) {
        problems.push_back(
            problem("warning", *channel, "", "the alert asks for answers, but " + *why));
      }
    }
    if (reached.empty()) {
      problems.push_back(problem(
          "warning", *channel, "",
          !targets_reached(*channel, reach) ? "the area touches none of the channel's zones"
          : reach.targeted && channel->subscribers() ? "no subscriber of the channel is in the area"
          : channel->subscribers()                   ? "the channel has no subscribers"
                                                     : "the channel has no targets"));
      reached.push_back({"", 0});  // still show what it would publish
    }
    for (const auto& audience : reached) {
      const auto& asked =
          audience.language.empty() ? channel->settings().language : audience.language;
      if (model::primary_language(asked) != model::primary_language(alert.language) &&
          !model::translated(alert, asked)) {
        problems.push_back(problem("warning", *channel, asked,
                                   "no translation into '" + asked + "' for " +
                                       std::to_string(audience.targets) +
                                       " target(s); they get the text in '" +
                                       (model::translated(alert, channel->settings().language)
                                            ? channel->settings().language
                                            : alert.language) +
                                       "'"));
      }
      if (auto why = channel->language_problem(asked)) {
        problems.push_back(problem("warning", *channel, asked, *why));
      }
      const auto rendered = renderer_.render(*channel, alert, audience.language);
      boost::json::object rendition{{"language", asked},
                                    {"template_language", rendered.language},
                                    {"targets", audience.targets}};
      auto split = channel->split(rendered.text, rendered.language);
      if (auto* why = std::get_if<std::string>(&split)) {
        problems.push_back(
            problem("error", *channel, asked, *why + " (shorten the description or instruction)"));
        rendition["rendered"] = rendered.text;
        rendition["parts"] = boost::json::array();
      } else {
        boost::json::array parts;
        for (const auto& part : std::get<std::vector<std::string>>(split)) {
          const auto measured = channel->measure(part);
          boost::json::object p{
              {"length", measured.length}, {"limit", measured.limit}, {"unit", measured.unit}};
          if (channel->structured_parts()) {
            p["message"] = boost::json::parse(part);
          } else {
            p["text"] = part;
          }
          parts.push_back(std::move(p));
        }
        if (audience.targets > 0) sendable = true;
        rendition["parts"] = std::move(parts);
      }
      renditions.push_back(std::move(rendition));
    }
    long long reaches = 0;
    for (const auto& a : reached) reaches += a.targets;
    recipients += reaches;
    boost::json::object out{{"channel", channel->name()},
                            {"type", channel->settings().type},
                            {"reaches", reaches},
                            {"renditions", std::move(renditions)}};
    if (!channel->settings().zones.empty()) {
      out["zones"] =
          boost::json::array(channel->settings().zones.begin(), channel->settings().zones.end());
    }
    if (const auto it = reach.subscribers.find(channel->name());
        it != reach.subscribers.end() && reach.targeted) {
      boost::json::object by_zone;
      for (const auto& [zone, n] : it->second.by_zone) by_zone[zone.empty() ? "*" : zone] = n;
      out["subscribers_by_zone"] = std::move(by_zone);  // "*": those who chose no zone
    }
    channels_out.push_back(std::move(out));
  }
  boost::json::array zones;
  for (const auto& z : reach.zones) zones.push_back({{"name", z.name}, {"label", z.label}});
  const bool errors = std::any_of(problems.begin(), problems.end(), [](const auto& p) {
    return p.as_object().at("severity") == "error";
  });
  if (!sendable) {
    problems.push_back(
        {{"severity", "error"}, {"detail", "no message would be sent: the channels reach nobody"}});
  }
  // Advice never stops a send: what would make the warning better understood.
  boost::json::array advice;
  for (const auto& a : model::advise(alert)) {
    advice.push_back({{"pointer", a.pointer}, {"detail", a.detail}});
  }
  return boost::json::object{{"sendable", sendable && !errors},
                             {"advice", std::move(advice)},
                             {"recipients", recipients},
                             {"area", {{"targeted", reach.targeted}, {"zones", std::move(zones)}}},
                             {"channels", std::move(channels_out)},
                             {"problems", std::move(problems)}};
}

}  // namespace araldo::intake
