#pragma once
// araldod's whole configuration, read from YAML. Each component reads its own section
// (dispatch/dispatch_settings, intake/intake_settings, ...); this file only hands them
// out, so it sits at the top beside app.cpp (daemon/config/ keeps only the section reader,
// secrets and ${VAR} expansion, which every layer may use). Unknown
// keys and missing ${ENV} variables fail at start with the offending path; secrets stay
// masked.
#include <filesystem>
#include <optional>
#include <string>

#include "channels/registry.hpp"
#include "daemon/audit/audit_settings.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/dispatch/dispatcher.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/inbound/replay_window.hpp"
#include "daemon/intake/intake_settings.hpp"
#include "daemon/privacy/privacy_settings.hpp"
#include "daemon/schedule/schedule_runner.hpp"
#include "daemon/store/database_settings.hpp"

namespace araldo::config {

struct Config {
  http::ServerOptions http;  // listen and http: (the server sits below the configuration)
  audit::AuditSettings audit;
  store::DatabaseSettings database;
  dispatch::DispatchOptions dispatch;
  intake::IntakeSettings alerts;
  schedule::RunnerOptions schedules;
  inbound::ReplayWindow replay_window;  // inbound: {replay_window_days}
  privacy::PrivacySettings privacy;
  std::optional<Secret> metrics_token;  // metrics: {bearer_token}; none: /metrics is open
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
