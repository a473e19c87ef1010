#include "daemon/ctl/client_settings.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace araldo::ctl {
namespace {

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::optional<std::string> process_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string read_key_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw SettingsError("key file " + path + " cannot be read");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw SettingsError("key file " + path +
                        " can be read by others: make it readable only by its owner "
                        "(chmod 600 " +
                        path + ")");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto key = trimmed(text.str());
  if (!in || key.empty()) throw SettingsError("key file " + path + " is empty or unreadable");
  return key;
}

namespace {

// The config file, when there is one (an absent default is no error); its path for errors.
std::pair<YAML::Node, std::string> load_config_file(const SettingsFlags& flags, const Getenv& env) {
  std::string config_path = flags.config;
  const bool named = !config_path.empty() || env("ARALDO_CTL_CONFIG");
  if (config_path.empty()) config_path = env("ARALDO_CTL_CONFIG").value_or("");
  if (config_path.empty()) {
    if (auto home = env("HOME")) config_path = *home + "/.config/araldo/araldoctl.yaml";
  }
  YAML::Node file;
  if (!config_path.empty() && std::filesystem::exists(config_path)) {
    try {
      file = YAML::LoadFile(config_path);
    } catch (const YAML::Exception& e) {
      throw SettingsError("config file " + config_path + ": " + e.what());
    }
    for (const auto& entry : file) {
      const auto name = entry.first.as<std::string>();
      if (name != "server" && name != "key_file" && name != "audit_public_key") {
        throw SettingsError("config file " + config_path + ": unknown setting '" + name +
                            "' (server, key_file, audit_public_key)");
      }
    }
  } else if (named) {
    throw SettingsError("config file " + config_path + " does not exist");
  }
  return {file, config_path};
}

}  // namespace

std::optional<std::string> pinned_audit_key(const SettingsFlags& flags, const Getenv& env) {
  if (auto key = env("ARALDO_AUDIT_PUBLIC_KEY")) return trimmed(*key);
  const auto [file, path] = load_config_file(flags, env);
  if (file && file["audit_public_key"]) return file["audit_public_key"].as<std::string>();
  return std::nullopt;
}

Settings resolve_settings(const SettingsFlags& flags, const Getenv& env, bool need_key) {
  const auto [file, config_path] = load_config_file(flags, env);
  auto from_file = [&](const char* name) -> std::string {
    return file && file[name] ? file[name].as<std::string>() : "";
  };

  Settings out;
  out.server =
      !flags.server.empty() ? flags.server : env("ARALDO_SERVER").value_or(from_file("server"));
  if (out.server.empty()) {
    throw SettingsError("no server: give --server URL, set ARALDO_SERVER, or put 'server:' in " +
                        (config_path.empty() ? std::string("the config file") : config_path));
  }
  while (out.server.size() > 1 && out.server.back() == '/') out.server.pop_back();

  if (!flags.key_file.empty()) {
    out.key = read_key_file(flags.key_file);
  } else if (auto key = env("ARALDO_KEY")) {
    out.key = trimmed(*key);
  } else if (auto path = env("ARALDO_KEY_FILE")) {
    out.key = read_key_file(*path);
  } else if (auto path = from_file("key_file"); !path.empty()) {
    out.key = read_key_file(path);
  } else if (need_key) {
    throw SettingsError(
        "no API key: give --key-file PATH, set ARALDO_KEY or ARALDO_KEY_FILE, or put "
        "'key_file:' in the config file");
  }
  return out;
}

}  // namespace araldo::ctl
