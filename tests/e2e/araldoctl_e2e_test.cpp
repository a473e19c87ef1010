// araldoctl against a running araldod, as an operator, a cron job and an admin use it:
// the exit status is what a script acts on.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <regex>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

struct CtlRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

const std::string kSirenTest =
    "headline: Prova sirene\n"
    "description: Prova mensile delle sirene, nessun pericolo.\n"
    "event: Siren test\n"
    "category: Safety\n"
    "severity: Minor\n"
    "urgency: Future\n"
    "certainty: Observed\n";

}  // namespace

class AraldoctlE2E : public DaemonTest {
 protected:
  std::string write_file(const std::string& name, const std::string& text, int mode = 0600) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  }
  // araldoctl with the server and a key file in the environment, as in a crontab.
  CtlRun ctl(const std::vector<std::string>& args, const std::string& key_file,
             const std::string& server = "") {
    std::vector<std::string> all{"--retry-for", "5"};
    all.insert(all.end(), args.begin(), args.end());
    ChildProcess p(ARALDOCTL_PATH, all,
                   {{"ARALDO_SERVER", server.empty() ? daemon_url_ : server},
                    {"ARALDO_KEY_FILE", key_file},
                    {"HOME", dir_.string()}});
    CtlRun r;
    r.status = p.wait(seconds(120)).value_or(-1);
    r.output = p.output();
    return r;
  }
  std::string operator_key_file() { return write_file("operator.key", api_key_ + "\n"); }
  std::string admin_key_file() { return write_file("admin.key", admin_key_ + "\n"); }
};

TEST_F(AraldoctlE2E, SendFromYamlWaitsUntilDeliveredAndExits0) {
  start_daemon();
  const auto alert = write_file("siren.yaml", kSirenTest);
  const auto r =
      ctl({"send", "--file", alert, "--channel", "telegram-main", "--wait"}, operator_key_file());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("sent 2"), std::string::npos) << r.output;  // the summary
  EXPECT_EQ(emulator_messages().size(), 2u);
  EXPECT_EQ(db_->count("alerts"), 1);

  // JSON output, for a script: the server's document.
  const auto json = ctl({"--output", "json", "send", "--file", alert, "--severity", "Moderate"},
                        operator_key_file());
  ASSERT_EQ(json.status, 0) << json.output;
  const auto line = json.output.substr(json.output.find('{'));
  const std::string id(boost::json::parse(line).at("id").as_string());
  const auto status = ctl({"status", id}, operator_key_file());
  EXPECT_EQ(status.status, 0) << status.output;
  EXPECT_NE(status.output.find("Prova sirene"), std::string::npos) << status.output;
  EXPECT_EQ(db_->scalar("SELECT severity FROM alerts WHERE id = '" + id + "'"), "Moderate");

  // Listed, newest first; filtered as JSON Lines for a script.
  const auto listed = ctl({"list"}, operator_key_file());
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find(id), std::string::npos) << listed.output;
  const auto moderate = ctl({"-o", "json", "list", "--severity", "Moderate"}, operator_key_file());
  EXPECT_EQ(moderate.status, 0) << moderate.output;
  EXPECT_EQ(std::count(moderate.output.begin(), moderate.output.end(), '\n'), 1) << moderate.output;
}

// Cron runs the same line twice for one slot (a retried job, two hosts sharing a key):
// the slot's Idempotency-Key makes the second send nothing.
TEST_F(AraldoctlE2E, TheSameSlotSentTwiceBroadcastsOnce) {
  start_daemon();
  const auto alert = write_file("siren.yaml", kSirenTest);
  const std::vector<std::string> line{"send",
                                      "--file",
                                      alert,
                                      "--channel",
                                      "telegram-main",
                                      "--idempotency-key",
                                      "siren-test-2026-12"};
  const auto first = ctl(line, operator_key_file());
  const auto second = ctl(line, operator_key_file());
  EXPECT_EQ(first.status, 0) << first.output;
  EXPECT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(db_->count("alerts"), 1);
  ASSERT_TRUE(wait_until([&] { return emulator_messages().size() >= 2; }));
  EXPECT_EQ(emulator_messages().size(), 2u);  // two chats, once each
}

TEST_F(AraldoctlE2E, ExitStatusSaysRefusedFailedUnreachableAndUsage) {
  start_daemon(x_channel(emulator_url_));
  const auto key = operator_key_file();
  // Refused by the server: 1, with the problem's pointer on stderr.
  const auto invalid = ctl({"send", "--headline", "x"}, key);
  EXPECT_EQ(invalid.status, 1) << invalid.output;
  EXPECT_NE(invalid.output.find("/severity"), std::string::npos) << invalid.output;
  // The platform refuses the message for good: 3 once every delivery is final.
  emulator_fault(R"({"platform":"x","status":400,"count":1,"description":"Invalid Request"})");
  const auto alert = write_file("siren.yaml", kSirenTest);
  const auto failed = ctl({"send", "--file", alert, "--channel", "x-comune", "--wait"}, key);
  EXPECT_EQ(failed.status, 3) << failed.output;
  EXPECT_NE(failed.output.find("Invalid Request"), std::string::npos) << failed.output;
  // Nobody listening: 4, after retrying within --retry-for.
  const auto nowhere =
      ctl({"status", "6f1c2b7e-8a51-4d36-9d3c-0a4f7e0b9c21"}, key, "http://127.0.0.1:1");
  EXPECT_EQ(nowhere.status, 4) << nowhere.output;
  // A key file others can read: 2, and nothing sent.
  const auto open_key = write_file("open.key", api_key_, 0644);
  const auto unsafe = ctl({"send", "--file", alert}, open_key);
  EXPECT_EQ(unsafe.status, 2) << unsafe.output;
  EXPECT_NE(unsafe.output.find("chmod 600"), std::string::npos) << unsafe.output;
  // A role that may not: 1 (403).
  const auto cancel = ctl({"keys", "list"}, key);
  EXPECT_EQ(cancel.status, 1) << cancel.output;
  EXPECT_NE(cancel.output.find("403"), std::string::npos) << cancel.output;
  EXPECT_EQ(ctl({"send", "--no-such-flag"}, key).status, 2);
  EXPECT_EQ(db_->count("alerts"), 1);
}

TEST_F(AraldoctlE2E, AnAdminManagesKeysAndSubscribers) {
  start_daemon(whatsapp_channel(emulator_url_));
  const auto admin = admin_key_file();
  const auto created = ctl({"keys", "create", "cron-sirene", "--role", "scheduler"}, admin);
  ASSERT_EQ(created.status, 0) << created.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.output, m, std::regex("araldo_[0-9a-f]{48}")));
  const auto cron_key = write_file("cron.key", m.str());
  const auto listed = ctl({"keys", "list"}, admin);
  EXPECT_EQ(listed.status, 0);
  EXPECT_NE(listed.output.find("cron-sirene"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("scheduler"), std::string::npos) << listed.output;

  const auto csv = write_file("subs.csv",
                              "address,language,consent_at\r\n"
                              "+39 333 1000001,it,2026-11-01T09:00:00+01:00\r\n"
                              "393331000002,en,2026-11-01T09:00:00+01:00\r\n");
  const auto imported = ctl({"subscribers", "import", "whatsapp-comune", csv}, admin);
  EXPECT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("added 2"), std::string::npos) << imported.output;
  EXPECT_EQ(ctl({"subscribers", "remove", "whatsapp-comune", "+393331000001"}, admin).status, 0);
  const auto count = ctl({"subscribers", "count", "whatsapp-comune"}, cron_key);
  EXPECT_EQ(count.status, 1) << count.output;  // a scheduler may not read subscribers
  const auto counted = ctl({"subscribers", "count", "whatsapp-comune"}, admin);
  EXPECT_NE(counted.output.find("1 subscriber"), std::string::npos) << counted.output;

  EXPECT_EQ(ctl({"keys", "revoke", "cron-sirene"}, admin).status, 0);
  EXPECT_EQ(ctl({"keys", "revoke", "cron-sirene"}, admin).status, 1);  // 404
}

// An auditor without database access verifies the log through araldod.
TEST_F(AraldoctlE2E, AnAuditorVerifiesTheLogOverTheApi) {
  start_daemon();
  const auto alert = write_file("siren.yaml", kSirenTest);
  ASSERT_EQ(
      ctl({"send", "--file", alert, "--channel", "telegram-main", "--wait"}, operator_key_file())
          .status,
      0);
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM audit_events") ==
           db_->scalar("SELECT count(*) FROM audit_leaves");
  }));
  const auto auditor = write_file("auditor.key", create_key("audit-office", "auditor"));
  const auto ok = ctl({"audit", "verify", "--public-key", kAuditPublicKey}, auditor);
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("audit log intact"), std::string::npos) << ok.output;
  std::smatch head;
  ASSERT_TRUE(std::regex_search(ok.output, head, std::regex("head ([0-9]+:[0-9a-f]{64})")));
  EXPECT_EQ(ctl({"audit", "verify", "--expect-head", head[1]}, auditor).status, 0);
  // Not an operator's business.
  EXPECT_EQ(ctl({"audit", "verify"}, operator_key_file()).status, 1);

  // A superuser edits an event behind the triggers' back: named.
  {
    pqxx::connection c(db_->dsn());
    pqxx::work tx(c);
    tx.exec0("SET LOCAL session_replication_role = replica");
    tx.exec0("UPDATE audit_events SET actor = 'mallory' WHERE kind = 'alert.accepted'");
    tx.commit();
  }
  const auto broken = ctl({"audit", "verify"}, auditor);
  EXPECT_EQ(broken.status, 1) << broken.output;
  EXPECT_NE(broken.output.find("BROKEN"), std::string::npos) << broken.output;
}
