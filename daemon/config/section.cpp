#include "daemon/config/section.hpp"

namespace araldo::config {

Section::Section(YAML::Node node, std::string path, EnvLookup env)
    : node_(std::move(node)), path_(std::move(path)), env_(std::move(env)) {
  if (node_ && !node_.IsNull() && !node_.IsMap()) throw ConfigError(path_ + ": must be a mapping");
}

std::string Section::where(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool Section::has(const std::string& key) const {
  return node_ && node_.IsMap() && node_[key];
}

YAML::Node Section::get(const std::string& key) {
  read_.insert(key);
  if (!node_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return node_[key];
}

std::string Section::required_string(const std::string& key) {
  auto n = get(key);
  if (!n || n.IsNull()) throw ConfigError(where(key) + ": is required");
  if (!n.IsScalar()) throw ConfigError(where(key) + ": must be a string");
  return expand_env(n.Scalar(), env_, where(key));
}

std::string Section::optional_string(const std::string& key, const std::string& fallback) {
  return has(key) ? required_string(key) : (read_.insert(key), fallback);
}

Secret Section::secret(const std::string& key) {
  return Secret(required_string(key));
}

Secret Section::checking_secret(const std::string& key) {
  auto s = secret(key);
  if (s.reveal().size() < kMinCheckingSecret) {
    throw ConfigError(where(key) + ": at least " + std::to_string(kMinCheckingSecret) +
                      " bytes (it has " + std::to_string(s.reveal().size()) +
                      "): a short secret lets anyone forge what it checks; make one with "
                      "`openssl rand -hex 16`");
  }
  return s;
}

std::vector<std::string> Section::string_list(const std::string& key) {
  auto n = get(key);
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) throw ConfigError(where(key) + ": must be a list");
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto item_where = where(key) + "[" + std::to_string(i) + "]";
    if (!n[i].IsScalar()) throw ConfigError(item_where + ": must be a string");
    out.push_back(expand_env(n[i].Scalar(), env_, item_where));
  }
  return out;
}

long long Section::integer(const std::string& key, long long fallback, long long min,
                           long long max) {
  auto n = get(key);
  if (!n || n.IsNull()) return fallback;
  long long v = 0;
  try {
    v = n.as<long long>();
  } catch (const YAML::Exception&) {
    throw ConfigError(where(key) + ": must be an integer");
  }
  if (v < min || v > max) {
    throw ConfigError(where(key) + ": must be between " + std::to_string(min) + " and " +
                      std::to_string(max));
  }
  return v;
}

bool Section::boolean(const std::string& key, bool fallback) {
  auto n = get(key);
  if (!n || n.IsNull()) return fallback;
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    throw ConfigError(where(key) + ": must be true or false");
  }
}

std::chrono::milliseconds Section::millis(const std::string& key,
                                          std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds(integer(key, fallback.count(), 0, 7LL * 24 * 3600 * 1000));
}

Section Section::section(const std::string& key) {
  auto n = get(key);
  return Section(n && !n.IsNull() ? n : YAML::Node(YAML::NodeType::Map), where(key), env_);
}

std::vector<std::string> Section::keys() const {
  std::vector<std::string> out;
  if (!node_ || !node_.IsMap()) return out;
  for (const auto& kv : node_) out.push_back(kv.first.as<std::string>());
  return out;
}

void Section::reject_unknown_keys() const {
  for (const auto& k : keys()) {
    if (!read_.contains(k)) throw ConfigError(where(k) + ": unknown key");
  }
}

}  // namespace araldo::config
