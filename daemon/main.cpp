// araldod: command line only. Everything it runs lives in the araldo_core library.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "daemon/app.hpp"
#include "daemon/audit/head_signer.hpp"
#include "daemon/store/api_key_store.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/migrator.hpp"

namespace {

void setup_logging(const std::string& level) {
  // Logs go to stderr, one logfmt line per event, flushed at once (journald, tests).
  auto logger = spdlog::stderr_logger_mt("araldod");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a peer that hangs up must not kill the daemon
  // Fail fast when the database host does not answer, instead of libpq's default wait.
  setenv("PGCONNECT_TIMEOUT", "5", 0);

  CLI::App app{"araldod: broadcasts civil-protection alerts to Telegram and other channels"};
  app.require_subcommand(1);
  std::string config_path =
      std::getenv("ARALDO_CONFIG") ? std::getenv("ARALDO_CONFIG") : "/etc/araldo/araldo.yaml";
  app.add_option("-c,--config", config_path, "YAML configuration file (env ARALDO_CONFIG)");

  auto* serve_cmd = app.add_subcommand("serve", "run the daemon until SIGTERM");
  auto* migrate_cmd = app.add_subcommand("migrate", "apply the database schema migrations");
  auto* check_cmd = app.add_subcommand("check-config", "load the configuration and report errors");
  auto* keys_cmd = app.add_subcommand("keys", "manage API keys");
  keys_cmd->require_subcommand(1);
  std::string key_name, key_role, key_expires;
  auto* key_create = keys_cmd->add_subcommand(
      "create", "create a key and print it (once); the first admin key is made this way");
  key_create->add_option("name", key_name, "who will use it, e.g. sala-operativa")->required();
  key_create
      ->add_option("--role", key_role,
                   "operator (sends, cancels, retries), scheduler (sends; reads its own), "
                   "auditor (reads), admin (keys, subscribers)")
      ->required()
      ->check(CLI::IsMember({"operator", "scheduler", "auditor", "admin"}));
  key_create->add_option("--expires", key_expires,
                         "when it stops working, e.g. 2027-01-31T23:59:59+01:00");
  auto* key_revoke = keys_cmd->add_subcommand("revoke", "revoke a key by name");
  key_revoke->add_option("name", key_name, "the key's name")->required();

  auto* audit_key_cmd = app.add_subcommand(
      "audit-public-key", "print the public key that verifies this daemon's audit tree heads");

  CLI11_PARSE(app, argc, argv);

  try {
    araldo::channels::ChannelRegistry registry;
    araldo::channels::register_all_channels(registry);
    auto config = araldo::config::load_config_file(config_path, registry);
    setup_logging(config.log_level);

    if (check_cmd->parsed()) {
      std::cout << "configuration OK: " << config.channels.all().size() << " channel(s)\n";
      return 0;
    }
    if (serve_cmd->parsed()) return araldo::serve(config);
    if (audit_key_cmd->parsed()) {
      if (!config.audit.signing_key) {
        std::cerr << "araldod: no audit.signing_key in the configuration: heads are unsigned\n";
        return 1;
      }
      std::cout << araldo::audit::HeadSigner(config.audit.signing_key->reveal()).public_key_hex()
                << "\n";
      return 0;
    }

    araldo::store::Database db(config.database.url, 1);
    if (migrate_cmd->parsed()) {
      auto applied = araldo::store::apply_migrations(db);
      std::cout << "schema at version " << araldo::store::latest_migration_version() << " ("
                << applied.size() << " migration(s) applied)\n";
      return 0;
    }
    if (key_create->parsed()) {
      auto created = araldo::store::create_api_key(
          db,
          {key_name, key_role,
           key_expires.empty() ? std::nullopt : std::optional<std::string>(key_expires)},
          "araldod-cli");
      std::cout << created.key << "\n";
      std::cerr << "created API key '" << created.name << "' (" << created.role
                << "); it is shown only now: store it safely\n";
      return 0;
    }
    if (key_revoke->parsed()) {
      const bool revoked = araldo::store::revoke_api_key(db, key_name, "araldod-cli");
      if (!revoked) {
        std::cerr << "araldod: no live key named '" << key_name << "'\n";
        return 1;
      }
      std::cerr << "revoked API key '" << key_name << "'\n";
      return 0;
    }
  } catch (const araldo::config::ConfigError& e) {
    std::cerr << "araldod: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const araldo::store::DatabaseUnavailable& e) {
    std::cerr << "araldod: " << e.what() << "\n";
    return 3;
  } catch (const std::invalid_argument& e) {
    std::cerr << "araldod: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "araldod: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
