#pragma once
// araldod's whole configuration, read from YAML: the one place that knows every
// component's settings, so it sits at the top beside app.cpp (daemon/config/ keeps only
// the section reader, secrets and ${VAR} expansion, which every layer may use). Unknown
// keys and missing ${ENV} variables fail at start with the offending path; secrets stay
// masked.
#include <filesystem>
#include <optional>
#include <string>

#include "channels/registry.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/dispatch/dispatcher.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/intake/approval_policy.hpp"
#include "daemon/intake/group_commit.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/schedule/schedule_runner.hpp"

namespace araldo::config {

struct DatabaseConfig {
  Secret url;  // libpq connection string or URI; may carry a password
  bool migrate_on_start = true;
  int pool_size = 4;
};

// The audit log's sequencer: how often it seals, and the key that signs its heads.
struct AuditConfig {
  std::optional<Secret> signing_key;  // Ed25519 seed, 64 hex digits; none: heads unsigned
  std::chrono::milliseconds seal_interval{200};
};

struct Config {
  http::ServerOptions http;
  AuditConfig audit;
  DatabaseConfig database;
  dispatch::DispatchOptions dispatch;
  model::AlertDefaults alert_defaults;
  intake::GroupCommitOptions intake;
  intake::ApprovalPolicy approval;
  // Where citizens reach the public archive (https://allerta.comune.example): its links
  // are absolute when set, relative otherwise.
  std::string public_url;
  schedule::RunnerOptions schedules;
  std::optional<std::filesystem::path> templates_dir;
  std::string log_level = "info";
  channels::ChannelSet channels;
};

Config load_config(const YAML::Node& root, const channels::ChannelRegistry& registry,
                   const EnvLookup& env = process_env);
Config load_config_file(const std::filesystem::path& path,
                        const channels::ChannelRegistry& registry,
                        const EnvLookup& env = process_env);

}  // namespace araldo::config
