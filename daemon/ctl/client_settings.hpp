#pragma once
// Where araldoctl finds the server and its key: a flag, else the environment, else the
// config file (YAML: `server: URL`, `key_file: PATH`, `audit_public_key: HEX`). The key itself is
// never a flag (it would show in `ps`): it comes from ARALDO_KEY or from a key file that only its
// owner can read.
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace araldo::ctl {

struct SettingsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SettingsFlags {
  std::string server;
  std::string key_file;
  std::string config;  // empty: $ARALDO_CTL_CONFIG, else ~/.config/araldo/araldoctl.yaml
};

struct Settings {
  std::string server;
  std::string key;
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_getenv(const std::string& name);

// Throws SettingsError saying what is missing or wrong (a key file others can read, say).
// `need_key` false: for public routes only; the key stays empty when none is given.
Settings resolve_settings(const SettingsFlags& flags, const Getenv& env = process_getenv,
                          bool need_key = true);

// The audit log's public key the auditor pinned: ARALDO_AUDIT_PUBLIC_KEY, else
// `audit_public_key:` in the config file. `audit verify` checks every head against it.
std::optional<std::string> pinned_audit_key(const SettingsFlags& flags,
                                            const Getenv& env = process_getenv);

// The key in `path`, refused when the file is readable by its group or others.
std::string read_key_file(const std::string& path);

}  // namespace araldo::ctl
