// araldoctl's parts without a daemon: where the server and key come from, reading an
// alert from YAML and flags, and retrying a 503 against a real HTTP server on loopback.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "daemon/ctl/alert_input.hpp"
#include "daemon/ctl/api_client.hpp"
#include "daemon/ctl/client_settings.hpp"
#include "daemon/http/http_server.hpp"

using namespace araldo;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/araldoctl-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text, int mode = 0600) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    chmod(p.c_str(), mode);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

ctl::Getenv env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST(CtlSettings, AFlagBeatsTheEnvironmentWhichBeatsTheConfigFile) {
  TempDir dir;
  const auto key_file = dir.write("key", "araldo_fromfile\n");
  const auto config = dir.write("ctl.yaml", "server: http://config:1/\nkey_file: " + key_file);
  // Only the config file.
  auto s = ctl::resolve_settings({"", "", config}, env_of({}));
  EXPECT_EQ(s.server, "http://config:1");  // the trailing slash dropped
  EXPECT_EQ(s.key, "araldo_fromfile");
  // The environment over the file.
  s = ctl::resolve_settings(
      {"", "", config}, env_of({{"ARALDO_SERVER", "http://env:2"}, {"ARALDO_KEY", "araldo_env"}}));
  EXPECT_EQ(s.server, "http://env:2");
  EXPECT_EQ(s.key, "araldo_env");
  // Flags over both.
  const auto other_key = dir.write("other", "araldo_flag");
  s = ctl::resolve_settings({"http://flag:3", other_key, config},
                            env_of({{"ARALDO_SERVER", "http://env:2"}, {"ARALDO_KEY", "x"}}));
  EXPECT_EQ(s.server, "http://flag:3");
  EXPECT_EQ(s.key, "araldo_flag");
  // The default config file under $HOME.
  std::filesystem::create_directories(std::filesystem::path(key_file).parent_path() /
                                      ".config/araldo");
  dir.write(".config/araldo/araldoctl.yaml", "server: http://home:4\nkey_file: " + key_file);
  s = ctl::resolve_settings({}, env_of({{"HOME", std::filesystem::path(key_file).parent_path()}}));
  EXPECT_EQ(s.server, "http://home:4");
}

TEST(CtlSettings, MissingOrUnsafeSettingsAreRefusedWithWhatToDo) {
  TempDir dir;
  try {
    ctl::resolve_settings({}, env_of({{"ARALDO_KEY", "k"}}));
    FAIL() << "no server accepted";
  } catch (const ctl::SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("--server"), std::string::npos) << e.what();
  }
  try {
    ctl::resolve_settings({"http://x", "", ""}, env_of({}));
    FAIL() << "no key accepted";
  } catch (const ctl::SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("ARALDO_KEY"), std::string::npos) << e.what();
  }
  const auto shared = dir.write("shared-key", "araldo_x", 0644);
  try {
    ctl::resolve_settings({"http://x", shared, ""}, env_of({}));
    FAIL() << "a key file others can read was accepted";
  } catch (const ctl::SettingsError& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
  const auto typo = dir.write("ctl.yaml", "sever: http://x\n");
  EXPECT_THROW(ctl::resolve_settings({"", "", typo}, env_of({{"ARALDO_KEY", "k"}})),
               ctl::SettingsError);
  EXPECT_THROW(ctl::resolve_settings({"", "", "/nonexistent/ctl.yaml"}, env_of({})),
               ctl::SettingsError);
}

// The auditor pins the audit log's public key once; the environment overrides the file.
TEST(CtlSettings, ThePinnedAuditKeyComesFromTheEnvironmentOrTheConfigFile) {
  TempDir dir;
  const std::string key(64, 'a');
  const auto config = dir.write("ctl.yaml", "server: http://x\naudit_public_key: " + key + "\n");
  EXPECT_EQ(ctl::pinned_audit_key({"", "", config}, env_of({})), key);
  EXPECT_EQ(ctl::pinned_audit_key({"", "", config},
                                  env_of({{"ARALDO_AUDIT_PUBLIC_KEY", std::string(64, 'b')}})),
            std::string(64, 'b'));
  const auto none = dir.write("none.yaml", "server: http://x\n");
  EXPECT_EQ(ctl::pinned_audit_key({"", "", none}, env_of({})), std::nullopt);
  // The server settings read the same file without tripping on the key.
  EXPECT_EQ(ctl::resolve_settings({"", "", config}, env_of({{"ARALDO_KEY", "k"}})).server,
            "http://x");
}

TEST(CtlAlertInput, AYamlFileWithFlagsOnTopBecomesTheAlertsJson) {
  TempDir dir;
  const auto file = dir.write("siren.yaml",
                              "headline: Prova sirene\n"
                              "event: Siren test\n"
                              "category: [Safety]\n"
                              "severity: Minor\n"
                              "urgency: Future\n"
                              "certainty: Observed\n"
                              "translations:\n"
                              "  - language: en\n"
                              "    headline: Siren test\n");
  ctl::AlertFlags flags;
  flags.file = file;
  flags.severity = "Moderate";  // a flag replaces the file's field
  flags.channels = {"telegram-comune", "x-comune"};
  const auto alert = ctl::alert_from_input(flags);
  EXPECT_EQ(alert.at("headline").as_string(), "Prova sirene");
  EXPECT_EQ(alert.at("severity").as_string(), "Moderate");
  EXPECT_EQ(alert.at("category").as_array().at(0).as_string(), "Safety");
  EXPECT_EQ(alert.at("channels").as_array().size(), 2u);
  EXPECT_EQ(alert.at("translations").as_array().at(0).at("headline").as_string(), "Siren test");

  const auto broken = dir.write("broken.json", "{\"headline\": ");
  flags.file = broken;
  EXPECT_THROW(ctl::alert_from_input(flags), ctl::AlertInputError);
  EXPECT_THROW(ctl::alert_from_input(ctl::AlertFlags{}), ctl::AlertInputError);  // nothing
}

// A server restarting answers 503 for a while: the client tries again with the same
// request (and so the same Idempotency-Key), and gives up only after its bound.
TEST(CtlApiClient, A503IsRetriedWithTheSameRequestThenGivenUpAfterTheBound) {
  std::atomic<int> unavailable_left{2};
  std::mutex mutex;
  std::set<std::string> keys_seen;
  std::atomic<int> requests{0};
  http::ServerOptions o;
  http::HttpServer server(o, [&](const http::Request& r) {
    ++requests;
    {
      std::lock_guard lock(mutex);
      keys_seen.insert(std::string(r.headers.find("Idempotency-Key").value_or("")));
    }
    if (r.path() == "/always-down" || unavailable_left-- > 0) {
      http::Response down;
      down.status = 503;
      return down;
    }
    EXPECT_EQ(r.headers.find("Authorization").value_or(""), "Bearer araldo_k");
    return http::Response::json(202, R"({"id":"x"})");
  });
  const auto port = server.start();
  ctl::ClientOptions options{"http://127.0.0.1:" + std::to_string(port), "araldo_k"};
  options.retry_for = std::chrono::seconds(60);
  ctl::ApiClient client(options);
  const auto r = client.request("POST", "/v1/alerts", "{}", "application/json",
                                {{"Idempotency-Key", "slot-2026-12"}});
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(requests.load(), 3);
  EXPECT_EQ(keys_seen, std::set<std::string>{"slot-2026-12"});

  options.retry_for = std::chrono::milliseconds(600);
  ctl::ApiClient impatient(options);
  const int before = requests.load();
  EXPECT_EQ(impatient.request("GET", "/always-down").status, 503);
  EXPECT_GE(requests.load() - before, 2);  // tried again before giving up

  ctl::ApiClient nowhere(
      {"http://127.0.0.1:1", "k", std::chrono::seconds(5), std::chrono::milliseconds(0)});
  const auto none = nowhere.request("GET", "/");
  EXPECT_EQ(none.status, 0);
  EXPECT_FALSE(none.error.empty());
}

TEST(CtlApiClient, PathSegmentsArePercentEncoded) {
  EXPECT_EQ(ctl::encode_segment("+39 333"), "%2B39%20333");
  EXPECT_EQ(ctl::encode_segment("a/b"), "a%2Fb");
  EXPECT_EQ(ctl::encode_segment("sala-operativa_1.2~"), "sala-operativa_1.2~");
}
