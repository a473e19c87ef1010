#include "daemon/app_config.hpp"

#include <charconv>

#include "daemon/audit/audit_settings.hpp"
#include "daemon/dispatch/dispatch_settings.hpp"
#include "daemon/intake/intake_settings.hpp"
#include "daemon/privacy/privacy_settings.hpp"
#include "daemon/schedule/schedule_settings.hpp"
#include "daemon/store/database_settings.hpp"

namespace araldo::config {
namespace {

void read_listen(Section& s, http::ServerOptions& http) {
  const auto listen = s.optional_string("listen", "127.0.0.1:8080");
  const auto colon = listen.rfind(':');
  unsigned port = 0;
  const char* end = listen.data() + listen.size();
  if (colon == std::string::npos ||
      std::from_chars(listen.data() + colon + 1, end, port).ptr != end || port > 65535) {
    throw ConfigError("listen: expected host:port, e.g. 127.0.0.1:8080, got '" + listen + "'");
  }
  http.address = listen.substr(0, colon);
  if (http.address.size() > 2 && http.address.front() == '[') {
    http.address = http.address.substr(1, http.address.size() - 2);
  }
  http.port = static_cast<std::uint16_t>(port);
}

}  // namespace

Config load_config(const YAML::Node& root, const channels::ChannelRegistry& registry,
                   const EnvLookup& env) {
  Config c;
  Section top(root, "", env);
  read_listen(top, c.http);
  c.log_level = top.optional_string("log_level", "info");
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    throw ConfigError("log_level: one of debug, info, warn, error");
  }

  auto http = top.section("http");
  c.http.body_limit =
      static_cast<std::size_t>(http.integer("body_limit", 64 * 1024, 1024, 16 << 20));
  c.http.import_body_limit =
      static_cast<std::size_t>(http.integer("import_body_limit", 16 << 20, 1024, 1LL << 30));
  c.http.header_timeout = http.millis("header_timeout_ms", c.http.header_timeout);
  c.http.body_timeout = http.millis("body_timeout_ms", c.http.body_timeout);
  c.http.threads = static_cast<int>(http.integer("threads", 4, 1, 64));
  http.reject_unknown_keys();

  // Each component reads its own section.
  auto database_section = top.section("database");
  c.database = store::read_database_settings(database_section, c.http.threads);
  auto dispatch_section = top.section("dispatch");
  c.dispatch = dispatch::read_dispatch_settings(dispatch_section);
  auto audit_section = top.section("audit");
  c.audit = audit::read_audit_settings(audit_section);
  auto alerts_section = top.section("alerts");
  c.alerts = intake::read_intake_settings(alerts_section);
  auto schedules_section = top.section("schedules");
  c.schedules = schedule::read_schedule_settings(schedules_section);
  auto metrics_section = top.section("metrics");
  if (metrics_section.has("bearer_token")) {
    c.metrics_token = metrics_section.checking_secret("bearer_token");
  }
  metrics_section.reject_unknown_keys();
  auto inbound_section = top.section("inbound");
  c.replay_window = inbound::read_replay_window(inbound_section);

  if (top.has("templates_dir")) c.templates_dir = top.required_string("templates_dir");

  auto chans = top.section("channels");
  for (const auto& name : chans.keys()) {
    auto section = chans.section(name);
    c.channels.add(registry.create(name, section));
  }
  std::optional<std::string> takes_subscribers;
  for (const auto& channel : c.channels.all()) {
    if (channel->subscribers() && !takes_subscribers) takes_subscribers = channel->name();
  }
  auto privacy_section = top.section("privacy");
  c.privacy =
      privacy::read_privacy_settings(privacy_section, takes_subscribers, c.replay_window.length);
  top.reject_unknown_keys();
  return c;
}

Config load_config_file(const std::filesystem::path& path,
                        const channels::ChannelRegistry& registry, const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw ConfigError(path.string() + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path.string() + ": " + e.what());
  }
  return load_config(root, registry, env);
}

}  // namespace araldo::config
