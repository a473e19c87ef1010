#pragma once
// A view of one YAML mapping in the configuration that remembers which keys were
// read, so a typo ("chat" for "chats") fails at start instead of being ignored.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/config/env_expand.hpp"
#include "daemon/config/secret.hpp"

namespace araldo::config {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kMinCheckingSecret = 16;

class Section {
 public:
  Section(YAML::Node node, std::string path, EnvLookup env);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;

  std::string required_string(const std::string& key);
  std::string optional_string(const std::string& key, const std::string& fallback);
  Secret secret(const std::string& key);  // ${ENV} references expanded
  // A secret that signatures or requests are checked with: one anybody could guess would
  // let anybody forge them, so fewer than kMinCheckingSecret bytes stop the daemon here.
  Secret checking_secret(const std::string& key);
  std::vector<std::string> string_list(const std::string& key);
  long long integer(const std::string& key, long long fallback, long long min, long long max);
  bool boolean(const std::string& key, bool fallback);
  std::chrono::milliseconds millis(const std::string& key, std::chrono::milliseconds fallback);
  Section section(const std::string& key);  // empty mapping when absent
  std::vector<std::string> keys() const;

  // Throws ConfigError for every key present but never read.
  void reject_unknown_keys() const;

 private:
  YAML::Node get(const std::string& key);
  std::string where(const std::string& key) const;

  YAML::Node node_;
  std::string path_;
  EnvLookup env_;
  std::set<std::string> read_;
};

}  // namespace araldo::config
