#include "channels/registry.hpp"

#include <algorithm>
#include <regex>

namespace araldo::channels {
namespace {

// statuses: and scopes:, each a subset of CAP's; a public channel takes only Actual.
void read_audience(config::Section& section, ChannelSettings& settings) {
  auto read = [&](const std::string& key, std::vector<std::string> allowed,
                  std::vector<std::string>& out) {
    if (!section.has(key)) return;
    out = section.string_list(key);
    std::string names;
    for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
    if (out.empty()) throw config::ConfigError(section.path() + "." + key + ": empty list");
    for (const auto& v : out) {
      if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
        throw config::ConfigError(section.path() + "." + key + ": '" + v + "' is not one of " +
                                  names);
      }
    }
  };
  // A Draft is never sent, whatever the channel.
  read("statuses", {"Actual", "Exercise", "System", "Test"}, settings.statuses);
  read("scopes", {"Public", "Restricted", "Private"}, settings.scopes);
  if (settings.is_public() && settings.statuses.size() > 1) {
    throw config::ConfigError(
        section.path() +
        ".statuses: a public channel (Actual alerts, scope Public) takes only Actual alerts; "
        "give drills and tests a channel of their own (statuses: [Exercise, Test])");
  }
}

}  // namespace

void ChannelRegistry::add(std::string type, ChannelFactory factory) {
  factories_[std::move(type)] = std::move(factory);
}

std::vector<std::string> ChannelRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, factory] : factories_) out.push_back(type);
  return out;
}

std::unique_ptr<Channel> ChannelRegistry::create(const std::string& name,
                                                 config::Section& section) const {
  static const std::regex name_shape("[a-z0-9][a-z0-9_-]{0,62}");
  if (!std::regex_match(name, name_shape)) {
    throw config::ConfigError(section.path() +
                              ": a channel name is 1-63 of a-z 0-9 _ - (starting with a letter "
                              "or digit)");
  }
  ChannelSettings settings;
  settings.name = name;
  settings.type = section.required_string("type");
  settings.enabled = section.boolean("enabled", true);
  settings.language = section.optional_string("language", "it");
  if (section.has("zones")) {
    static const std::regex zone_shape("[a-z0-9][a-z0-9_-]{0,62}");
    settings.zones = section.string_list("zones");
    if (settings.zones.empty()) {
      throw config::ConfigError(section.path() +
                                ".zones: empty list (leave it out for the "
                                "whole territory)");
    }
    for (const auto& z : settings.zones) {
      if (!std::regex_match(z, zone_shape)) {
        throw config::ConfigError(section.path() + ".zones: '" + z +
                                  "' is not a zone name (a-z 0-9 _ -)");
      }
    }
  }
  if (section.has("template_dir")) settings.template_dir = section.required_string("template_dir");
  read_audience(section, settings);
  if (section.has("rate_limit")) {
    // Per minute, so slow platforms (X: posts per 15 minutes) need no fractions.
    auto limit = section.section("rate_limit");
    const auto per_minute = limit.integer("per_minute", 60, 1, 10'000'000);
    const auto burst = limit.integer("burst", 1, 1, 100'000);
    limit.reject_unknown_keys();
    settings.rate_limit =
        RateLimit{static_cast<double>(per_minute) / 60.0, static_cast<double>(burst)};
  }

  auto it = factories_.find(settings.type);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& t : types()) known += (known.empty() ? "" : ", ") + t;
    throw config::ConfigError(section.path() + ".type: unknown channel type '" + settings.type +
                              "' (known: " + known + ")");
  }
  // on_cancel / on_update: checked against what the platform can do once it is built.
  auto follow_up = [&](const char* key) -> std::optional<Action> {
    if (!section.has(key)) return std::nullopt;
    const auto name = section.required_string(key);
    const auto action =
        name == "notice" ? std::optional<Action>(Action::reply) : parse_action(name);
    if (!action || *action == Action::send) {
      throw config::ConfigError(section.path() + "." + key + ": '" + name +
                                "' is not one of edit, remove, notice");
    }
    return action;
  };
  const auto on_cancel = follow_up("on_cancel");
  const auto on_update = follow_up("on_update");
  if (on_update == Action::remove) {
    throw config::ConfigError(section.path() + ".on_update: an update edits or replies");
  }
  settings.on_cancel = on_cancel;
  settings.on_update = on_update;
  auto channel = it->second(std::move(settings), section);
  section.reject_unknown_keys();
  for (const auto& [key, action] : {std::pair{"on_cancel", on_cancel}, {"on_update", on_update}}) {
    if (action && !channel->supports(*action)) {
      throw config::ConfigError(section.path() + "." + key + ": " + channel->settings().type +
                                " cannot " + std::string(to_string(*action)) + " a published post");
    }
  }
  return channel;
}

void ChannelSet::add(std::unique_ptr<Channel> channel) {
  channels_.push_back(std::move(channel));
}

const Channel* ChannelSet::find(const std::string& name) const {
  for (const auto& c : channels_) {
    if (c->name() == name) return c.get();
  }
  return nullptr;
}

std::vector<const Channel*> ChannelSet::enabled() const {
  std::vector<const Channel*> out;
  for (const auto& c : channels_) {
    if (c->settings().enabled) out.push_back(c.get());
  }
  return out;
}

}  // namespace araldo::channels
