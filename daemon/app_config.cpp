#include "daemon/app_config.hpp"
#include "daemon/model/alert.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>

#include <charconv>

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

  auto db = top.section("database");
  c.database.url = db.secret("url");
  c.database.migrate_on_start = db.boolean("migrate_on_start", true);
  c.database.pool_size = static_cast<int>(db.integer("pool_size", c.http.threads, 1, 100));
  db.reject_unknown_keys();

  auto d = top.section("dispatch");
  c.dispatch.worker_id = d.optional_string("worker_id", "");
  c.dispatch.max_in_flight = static_cast<int>(d.integer("max_in_flight", 64, 1, 10'000));
  c.dispatch.request_timeout = d.millis("request_timeout_ms", c.dispatch.request_timeout);
  c.dispatch.lease = d.millis("lease_ms", c.dispatch.lease);
  c.dispatch.sweep_interval = d.millis("sweep_interval_ms", c.dispatch.sweep_interval);
  c.dispatch.shutdown_grace = d.millis("shutdown_grace_ms", c.dispatch.shutdown_grace);
  c.dispatch.lookahead = d.millis("lookahead_ms", c.dispatch.lookahead);
  c.dispatch.retry.base = d.millis("backoff_base_ms", c.dispatch.retry.base);
  c.dispatch.retry.cap = d.millis("backoff_cap_ms", c.dispatch.retry.cap);
  c.dispatch.retry.validity_without_expiry =
      d.millis("validity_without_expiry_ms", c.dispatch.retry.validity_without_expiry);
  c.dispatch.retry.channel_failure_pause =
      d.millis("channel_failure_pause_ms", c.dispatch.retry.channel_failure_pause);
  d.reject_unknown_keys();
  if (c.dispatch.lease <= c.dispatch.request_timeout + c.dispatch.lookahead) {
    // Otherwise a send claimed ahead, or slow but healthy, would be claimed again by
    // another worker.
    throw ConfigError(
        "dispatch.lease_ms: must be longer than dispatch.request_timeout_ms + "
        "dispatch.lookahead_ms");
  }

  auto audit = top.section("audit");
  if (audit.has("signing_key")) {
    c.audit.signing_key = audit.secret("signing_key");
    const auto& k = c.audit.signing_key->reveal();
    if (k.size() != 64 || k.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      throw ConfigError(
          "audit.signing_key: expected an Ed25519 seed as 64 hex digits"
          " (e.g. from `openssl rand -hex 32`)");
    }
  }
  c.audit.seal_interval = audit.millis("seal_interval_ms", c.audit.seal_interval);
  audit.reject_unknown_keys();

  auto alerts = top.section("alerts");
  c.alert_defaults.language = alerts.optional_string("default_language", "it");
  c.alert_defaults.sender = alerts.optional_string("default_sender", "");
  // Group commit: how many transactions may be committing at once, and how many alerts
  // one may hold.
  c.intake.committers = static_cast<int>(alerts.integer("committers", 2, 1, 64));
  c.intake.max_batch = static_cast<std::size_t>(alerts.integer("max_batch", 256, 1, 10'000));
  if (alerts.has("public_url")) {
    c.public_url = alerts.required_string("public_url");
    const auto url = boost::urls::parse_absolute_uri(c.public_url);
    if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->has_query() ||
        c.public_url.ends_with("/")) {
      throw ConfigError(alerts.path() +
                        ".public_url: an http(s) URL without a trailing slash or a query, such "
                        "as https://allerta.comune.example");
    }
  }
  c.alert_defaults.public_url = c.public_url;
  if (alerts.has("approval")) {
    // The two-person rule, for the severities where a mistake costs most.
    auto approval = alerts.section("approval");
    c.approval.severities = approval.string_list("severities");
    for (const auto& severity : c.approval.severities) {
      if (std::find(model::severities.begin(), model::severities.end(), severity) ==
          model::severities.end()) {
        throw ConfigError(approval.path() + ".severities: '" + severity +
                          "' is not a CAP severity (Extreme, Severe, Moderate, Minor, Unknown)");
      }
    }
    c.approval.timeout =
        std::chrono::seconds(approval.integer("timeout_seconds", 1800, 5, 7 * 24 * 3600));
    approval.reject_unknown_keys();
  }
  alerts.reject_unknown_keys();

  auto schedules = top.section("schedules");
  // How often each daemon looks for occurrences that came due.
  c.schedules.poll_interval = schedules.millis("poll_interval_ms", c.schedules.poll_interval);
  schedules.reject_unknown_keys();

  if (top.has("templates_dir")) c.templates_dir = top.required_string("templates_dir");

  auto chans = top.section("channels");
  for (const auto& name : chans.keys()) {
    auto section = chans.section(name);
    c.channels.add(registry.create(name, section));
  }
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
