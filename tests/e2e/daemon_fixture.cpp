#include "tests/e2e/daemon_fixture.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include "tests/support/wait_until.hpp"

namespace araldo::test_support {
namespace {

// The binaries this build made; an environment variable may point elsewhere.
std::string binary(const char* env, const char* built) {
  const char* v = std::getenv(env);
  return v ? v : built;
}
std::string araldod() {
  return binary("ARALDOD", ARALDOD_PATH);
}
std::string emulator() {
  return binary("ARALDO_EMULATOR", ARALDO_EMULATOR_PATH);
}

std::string write_config(const std::filesystem::path& dir, const std::string& emulator_url,
                         const std::string& dsn, const std::string& extra_channels,
                         int sweep_interval_ms, int lease_ms, const std::string& alert_settings) {
  const auto path = dir / "araldo.yaml";
  std::ofstream out(path);
  out << "listen: 127.0.0.1:0\n"
      << "log_level: debug\n"
      << "http: {body_limit: 8192, threads: 8}\n"
      << "database: {url: '${ARALDO_DB}', pool_size: 2}\n"
      << "dispatch: {backoff_base_ms: 200, backoff_cap_ms: 2000, sweep_interval_ms: "
      << sweep_interval_ms << ",\n"
      << "           request_timeout_ms: 5000, lease_ms: " << lease_ms
      << ", shutdown_grace_ms: 5000}\n"
      << "alerts: {default_sender: protezionecivile@comune.example"
      << (alert_settings.empty() ? "" : ", " + alert_settings) << "}\n"
      << "audit: {signing_key: '${ARALDO_AUDIT_KEY}', seal_interval_ms: 100}\n"
      << "privacy: {pseudonym_key: " << test_support::test_pseudonym_key << "}\n"
      << "channels:\n"
      << "  telegram-main:\n"
      << "    type: telegram\n"
      << "    base_url: " << emulator_url << "\n"
      << "    bot_token: ${TELEGRAM_TOKEN}\n"
      << "    chats: ['@allerta_comune', '-1001234567890']\n"
      << extra_channels;
  (void)dsn;
  return path.string();
}

}  // namespace

std::string subscribers_csv(int n, int first) {
  std::string csv = "address,language,consent_at\n";
  for (int i = first; i < first + n; ++i) {
    csv += "39333" + std::to_string(1000000 + i) + "," + (i % 3 == 0 ? "en" : "it") +
           ",2026-11-01T09:00:00+01:00\n";
  }
  return csv;
}

std::string x_channel(const std::string& url, const std::string& extra) {
  return "  x-comune:\n    type: x\n    base_url: " + url +
         "\n    account: '@ProtCivComune'\n    consumer_key: e2e-ck\n"
         "    consumer_secret: e2e-cs\n    access_token: 1-e2e-at\n"
         "    access_token_secret: e2e-ats\n" +
         extra;
}

std::string facebook_channel(const std::string& url, const std::string& extra) {
  return "  facebook-comune:\n    type: facebook\n    base_url: " + url +
         "\n    page_id: '104857600'\n    page_access_token: EAAPageToken\n"
         "    app_secret: fb-app-s3cret-0123\n" +
         extra;
}

std::string whatsapp_channel(const std::string& url, const std::string& extra) {
  return "  whatsapp-comune:\n    type: whatsapp\n    base_url: " + url +
         "\n    phone_number_id: '1055555'\n    access_token: EAAWaToken\n"
         "    app_secret: wa-app-s3cret-0123\n"
         "    template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}\n" +
         extra;
}

void DaemonTest::SetUp() {
  dir_ = std::filesystem::temp_directory_path() /
         ("araldo-e2e-" + std::to_string(getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(dir_);
  db_ = std::make_unique<TestDatabase>(/*migrate=*/false);  // araldod migrates on start

  std::vector<std::string> args{"--telegram-token",
                                kBotToken,
                                "--telegram-chat",
                                "@allerta_comune",
                                "--telegram-chat",
                                "-1001234567890",
                                "--telegram-chat",
                                "4242",
                                "--telegram-blocked-chat",
                                "4242",
                                "--telegram-chat",
                                "-4001",
                                "--telegram-chat",
                                "-1004001",
                                "--telegram-migrated-chat",
                                "-4001:-1004001",
                                "--x-consumer-key",
                                "e2e-ck",
                                "--x-consumer-secret",
                                "e2e-cs",
                                "--x-access-token",
                                "1-e2e-at",
                                "--x-access-token-secret",
                                "e2e-ats",
                                "--facebook-page-id",
                                "104857600",
                                "--facebook-page-token",
                                "EAAPageToken",
                                "--facebook-app-secret",
                                "fb-app-s3cret-0123",
                                "--whatsapp-phone-number-id",
                                "1055555",
                                "--whatsapp-token",
                                "EAAWaToken",
                                "--whatsapp-app-secret",
                                "wa-app-s3cret-0123",
                                "--whatsapp-template",
                                "allerta_comune:it,en_US:4"};
  for (auto& a : extra_emulator_args()) args.push_back(std::move(a));
  emulator_ = std::make_unique<ChildProcess>(emulator(), args);
  auto m = emulator_->wait_for_line(std::regex("listening on (http://[0-9.:]+)"),
                                    std::chrono::seconds(10));
  ASSERT_TRUE(m) << emulator_->output();
  emulator_url_ = (*m)[1];
}

void DaemonTest::TearDown() {
  if (daemon_) stop_daemon(SIGKILL);
  emulator_.reset();
  db_.reset();
  std::filesystem::remove_all(dir_);
}

std::string DaemonTest::create_key(const std::string& name, const std::string& role) {
  const std::map<std::string, std::string> env{
      {"ARALDO_DB", db_->dsn()}, {"TELEGRAM_TOKEN", kBotToken}, {"ARALDO_AUDIT_KEY", kAuditSeed}};
  ChildProcess keys(araldod(), {"-c", config_path_, "keys", "create", "--role", role, name}, env);
  auto key = keys.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), std::chrono::seconds(30));
  EXPECT_TRUE(key) << keys.output();
  EXPECT_EQ(keys.wait(std::chrono::seconds(10)), 0);
  return key ? std::string((*key)[1]) : std::string();
}

void DaemonTest::start_daemon(const std::string& extra_channels) {
  if (!extra_channels.empty()) extra_channels_ = extra_channels;
  const auto config = write_config(dir_, emulator_url_, db_->dsn(), extra_channels_,
                                   sweep_interval_ms(), lease_ms(), alert_settings());
  const std::map<std::string, std::string> env{
      {"ARALDO_DB", db_->dsn()}, {"TELEGRAM_TOKEN", kBotToken}, {"ARALDO_AUDIT_KEY", kAuditSeed}};
  if (api_key_.empty()) {
    ChildProcess migrate(araldod(), {"-c", config, "migrate"}, env);
    ASSERT_EQ(migrate.wait(std::chrono::seconds(30)), 0) << migrate.output();
    config_path_ = config;
    api_key_ = create_key("e2e", "operator");
    admin_key_ = create_key("e2e-admin", "admin");
    ASSERT_FALSE(api_key_.empty() || admin_key_.empty());
  }
  daemon_ = std::make_unique<ChildProcess>(araldod(),
                                           std::vector<std::string>{"-c", config, "serve"}, env);
  auto m = daemon_->wait_for_line(std::regex("event=http.listening url=(http://[0-9.:]+)"),
                                  std::chrono::seconds(20));
  ASSERT_TRUE(m) << daemon_->output();
  daemon_url_ = (*m)[1];
}

std::unique_ptr<ChildProcess> DaemonTest::start_another_daemon() {
  const std::map<std::string, std::string> env{
      {"ARALDO_DB", db_->dsn()}, {"TELEGRAM_TOKEN", kBotToken}, {"ARALDO_AUDIT_KEY", kAuditSeed}};
  auto other = std::make_unique<ChildProcess>(
      araldod(), std::vector<std::string>{"-c", (dir_ / "araldo.yaml").string(), "serve"}, env);
  auto m = other->wait_for_line(std::regex("event=http.listening"), std::chrono::seconds(20));
  EXPECT_TRUE(m) << other->output();
  return other;
}

int DaemonTest::stop_daemon(int sig) {
  daemon_->signal(sig);
  auto status = daemon_->wait(std::chrono::seconds(20));
  daemon_.reset();
  return status.value_or(-1);
}

HttpResult DaemonTest::post_alert(const std::string& json) {
  return http_request(
      "POST", daemon_url_ + "/v1/alerts",
      {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, json);
}

boost::json::object DaemonTest::post_and_wait(const std::string& json,
                                              std::initializer_list<std::string_view> states) {
  const auto r = post_alert(json);
  if (r.status != 202) {
    ADD_FAILURE() << "POST /v1/alerts answered " << r.status << ": " << r.body;
    return {};
  }
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  boost::json::object alert;
  if (!wait_until([&] { return all_in(alert = get_alert(id), states); })) {
    ADD_FAILURE() << "deliveries never all reached the expected state: "
                  << boost::json::serialize(alert) << "\n"
                  << daemon_->output();
    return {};
  }
  // The summary and the listing come from one snapshot: they must agree, even while the
  // dispatcher is still writing.
  if (!alert.contains("deliveries_truncated")) {
    std::map<std::string, long long> listed;
    for (const auto& d : alert.at("deliveries").as_array()) {
      ++listed[std::string(d.at("state").as_string())];
    }
    std::map<std::string, long long> summary;
    for (const auto& [state, n] : alert.at("summary").as_object()) {
      summary[std::string(state)] = n.as_int64();
    }
    EXPECT_EQ(summary, listed) << boost::json::serialize(alert);
  }
  return alert;
}

bool DaemonTest::all_in(const boost::json::object& alert,
                        std::initializer_list<std::string_view> states) {
  if (!alert.contains("deliveries") || alert.at("deliveries").as_array().empty()) return false;
  for (const auto& d : alert.at("deliveries").as_array()) {
    const std::string_view state = d.as_object().at("state").as_string();
    if (std::find(states.begin(), states.end(), state) == states.end()) return false;
  }
  return true;
}

boost::json::object DaemonTest::get_alert(const std::string& id) {
  auto r = http_request("GET", daemon_url_ + "/v1/alerts/" + id,
                        {{"Authorization", "Bearer " + api_key_}});
  if (r.status != 200) return {};
  return boost::json::parse(r.body).as_object();
}

boost::json::array DaemonTest::emulator_messages(const std::string& platform) {
  auto r = http_request("GET", emulator_url_ + "/_emulator/" + platform + "/messages");
  return boost::json::parse(r.body).as_object().at("messages").as_array();
}

HttpResult DaemonTest::import_subscribers(const std::string& channel, const std::string& csv) {
  return http_request("POST", daemon_url_ + "/v1/channels/" + channel + "/subscribers/import",
                      {{"Authorization", "Bearer " + admin_key_}, {"Content-Type", "text/csv"}},
                      csv);
}

void DaemonTest::emulator_revoke(const std::string& platform) {
  ASSERT_EQ(http_request("POST", emulator_url_ + "/_emulator/" + platform + "/revoke").status, 200);
}

void DaemonTest::emulator_fault(const std::string& json) {
  ASSERT_EQ(http_request("POST", emulator_url_ + "/_emulator/faults", {}, json).status, 200);
}

void DaemonTest::emulator_clear_faults() {
  ASSERT_EQ(http_request("DELETE", emulator_url_ + "/_emulator/faults").status, 200);
}

boost::json::object DaemonTest::emulator_stats() {
  return boost::json::parse(http_request("GET", emulator_url_ + "/_emulator/stats").body)
      .as_object();
}

long long DaemonTest::emulator_accepted(const std::string& platform) {
  const auto stats = emulator_stats();
  const auto* p = stats.if_contains(platform);
  const auto* ok = p ? p->as_object().if_contains("200") : nullptr;
  return ok ? ok->as_int64() : 0LL;
}

std::pair<int, std::string> DaemonTest::audit_watch(const std::string& keep) {
  ChildProcess p(ARALDOCTL_PATH, {"audit", "watch", "--keep", keep},
                 {{"ARALDO_SERVER", daemon_url_},
                  {"ARALDO_AUDIT_PUBLIC_KEY", kAuditPublicKey},
                  {"HOME", dir_.string()}});
  const int status = p.wait(std::chrono::seconds(60)).value_or(-1);
  return {status, p.output()};
}

bool DaemonTest::wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  return test_support::wait_until(done, timeout, std::chrono::milliseconds(50));
}

}  // namespace araldo::test_support
