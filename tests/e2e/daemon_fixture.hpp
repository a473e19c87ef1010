#pragma once
// End-to-end fixture: the real araldod binary, the platform emulator and a fresh
// database on the test cluster, wired by a config file the way an operator would.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_database.hpp"

namespace araldo::test_support {

inline const std::string kBotToken = "7000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX";
// The daemons' audit head signing key (RFC 8032's first test key) and its public key.
inline const std::string kAuditSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
inline const std::string kAuditPublicKey =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

// A subscriber CSV of `n` numbers from 393331000000 + first; every third asks for English.
std::string subscribers_csv(int n, int first = 0);

// Channel blocks for start_daemon(), pointing at the emulator (config YAML lines).
std::string x_channel(const std::string& emulator_url, const std::string& extra = "");
std::string facebook_channel(const std::string& emulator_url, const std::string& extra = "");
std::string whatsapp_channel(const std::string& emulator_url, const std::string& extra = "");

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Flags added to the emulator's command line (a subclass may tune its limits).
  virtual std::vector<std::string> extra_emulator_args() const { return {}; }
  // The dispatcher's safety-net sweep; a test that shows wake-ups work without it sets
  // it far beyond its own deadlines.
  virtual int sweep_interval_ms() const { return 1000; }
  // How long a claim holds a delivery.
  virtual int lease_ms() const { return 15000; }
  // More keys of the config's alerts: map (YAML flow style, e.g. "approval: {...}").
  virtual std::string alert_settings() const { return ""; }

  // Starts araldod with the base config plus `extra_channels` (YAML lines under channels:).
  void start_daemon(const std::string& extra_channels = "");
  // A second araldod on the same database and configuration (after start_daemon).
  std::unique_ptr<ChildProcess> start_another_daemon();
  // Sends `sig` and waits for exit; returns the exit status.
  int stop_daemon(int sig);

  // `araldod keys create --role ROLE NAME` on the test's database; returns the key.
  std::string create_key(const std::string& name, const std::string& role);

  HttpResult post_alert(const std::string& json);
  // Posts an alert, expecting 202, and waits until every delivery is in one of `states`.
  // Returns the alert's status document, or {} after recording a test failure.
  boost::json::object post_and_wait(const std::string& json,
                                    std::initializer_list<std::string_view> states);
  // Every delivery of the alert in one of `states`.
  static bool all_in(const boost::json::object& alert,
                     std::initializer_list<std::string_view> states);
  boost::json::object get_alert(const std::string& id);
  boost::json::array emulator_messages(const std::string& platform = "telegram");
  // POSTs a CSV of subscribers to the channel's import endpoint (as an admin); returns the
  // answer.
  HttpResult import_subscribers(const std::string& channel, const std::string& csv);
  void emulator_revoke(const std::string& platform);
  void emulator_fault(const std::string& json);
  void emulator_clear_faults();
  boost::json::object emulator_stats();
  // How many sends the emulator answered 200 on `platform` ("whatsapp").
  long long emulator_accepted(const std::string& platform);
  // `araldoctl audit watch --keep FILE` as a third party runs it: the server, no key, the
  // pinned public key. Returns its exit status and its output.
  std::pair<int, std::string> audit_watch(const std::string& keep);

  // Polls `done` every 50 ms until it holds or `timeout` passes.
  bool wait_until(const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(15));

  std::string daemon_url_;
  std::string emulator_url_;
  std::string api_key_;    // an operator's
  std::string admin_key_;  // an admin's (subscribers, keys)
  std::string config_path_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ChildProcess> emulator_;
  std::unique_ptr<ChildProcess> daemon_;
  std::filesystem::path dir_;
  std::string extra_channels_;
};

}  // namespace araldo::test_support
