#include "daemon/intake/intake_settings.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>

#include "daemon/model/alert.hpp"
#include "daemon/model/cap_words.hpp"

namespace araldo::intake {

IntakeSettings read_intake_settings(config::Section& alerts) {
  IntakeSettings s;
  s.defaults.language = alerts.optional_string("default_language", "it");
  s.defaults.sender = alerts.optional_string("default_sender", "");
  s.defaults.sender_name = alerts.optional_string("sender_name", "");
  s.defaults.time_zone = alerts.optional_string("time_zone", "Europe/Rome");
  if (!model::known_time_zone(s.defaults.time_zone)) {
    throw config::ConfigError(alerts.path() + ".time_zone: '" + s.defaults.time_zone +
                              "' is not an IANA time zone such as Europe/Rome");
  }
  // Group commit: how many transactions may be committing at once, and how many alerts
  // one may hold.
  s.commit.committers = static_cast<int>(alerts.integer("committers", 2, 1, 64));
  s.commit.max_batch = static_cast<std::size_t>(alerts.integer("max_batch", 256, 1, 10'000));
  // A subscription channel with more subscribers than this is written after the 202, a
  // chunk at a time (store/fanout_store.hpp): the 202 then takes the same time for a
  // city as for a village.
  s.commit.inline_fanout_limit =
      alerts.integer("inline_fanout_limit", store::default_inline_fanout_limit, 0, 100'000'000);
  s.fanout.chunk = alerts.integer("fanout_chunk", 20'000, 1, 1'000'000);
  s.fanout.window = 2 * s.fanout.chunk;
  if (alerts.has("public_url")) {
    s.defaults.public_url = alerts.required_string("public_url");
    const auto url = boost::urls::parse_absolute_uri(s.defaults.public_url);
    if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->has_query() ||
        s.defaults.public_url.ends_with("/")) {
      throw config::ConfigError(
          alerts.path() +
          ".public_url: an http(s) URL without a trailing slash or a query, such as "
          "https://allerta.comune.example");
    }
  }
  if (alerts.has("approval")) {
    // The two-person rule, for the severities where a mistake costs most.
    auto approval = alerts.section("approval");
    s.approval.severities = approval.string_list("severities");
    for (const auto& severity : s.approval.severities) {
      if (std::find(model::severities.begin(), model::severities.end(), severity) ==
          model::severities.end()) {
        throw config::ConfigError(
            approval.path() + ".severities: '" + severity +
            "' is not a CAP severity (Extreme, Severe, Moderate, Minor, Unknown)");
      }
    }
    s.approval.timeout =
        std::chrono::seconds(approval.integer("timeout_seconds", 1800, 5, 7 * 24 * 3600));
    approval.reject_unknown_keys();
  }
  alerts.reject_unknown_keys();
  return s;
}

}  // namespace araldo::intake
