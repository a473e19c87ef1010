// araldoctl against a running araldod, as an operator, a cron job and an admin use it:
// the exit status is what a script acts on.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <sstream>

#include "daemon/text/csv_reader.hpp"

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

  // The daemon says which key signs its heads; a verify without a key checks against it,
  // and a key the auditor pinned (here in araldoctl's config file) wins: heads signed by
  // any other key are an error.
  const auto status =
      http_request("GET", daemon_url_ + "/v1/status", {{"Authorization", "Bearer " + api_key_}});
  EXPECT_EQ(boost::json::parse(status.body).at("audit").at("public_key").as_string(),
            kAuditPublicKey);
  std::filesystem::create_directories(dir_ / ".config/araldo");
  write_file(".config/araldo/araldoctl.yaml", "audit_public_key: " + std::string(64, 'a') + "\n");
  const auto pinned_other = ctl({"audit", "verify"}, auditor);
  EXPECT_EQ(pinned_other.status, 1) << pinned_other.output;
  write_file(".config/araldo/araldoctl.yaml", "audit_public_key: " + kAuditPublicKey + "\n");
  EXPECT_EQ(ctl({"audit", "verify"}, auditor).status, 0);

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

// `subscribers erase`: afterwards the number is in no column of any table (subscribers,
// deliveries, webhook bodies and items, opt-outs, pseudonyms, the audit log), another
// subscriber's number still is (the search would find one), the signed log still
// verifies with the pinned key, and an import cannot bring the number back.
TEST_F(AraldoctlE2E, AnErasedNumberIsNowhereInTheDatabaseAndTheLogStillVerifies) {
  start_daemon(
      whatsapp_channel(emulator_url_, "    inbound: {verify_token: vtok-123-verify-token}\n"));
  ASSERT_EQ(http_request("POST", emulator_url_ + "/_emulator/whatsapp/webhook",
                         {{"Content-Type", "application/json"}},
                         R"({"url":")" + daemon_url_ + R"(/webhooks/whatsapp-comune"})")
                .status,
            200);
  const auto admin = write_file("admin.key", admin_key_ + "\n");
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);
  // The citizen writes (a webhook body and item with the number), gets an alert (a
  // delivery to the number, its receipt), and leaves (an opt-out, an audit event).
  for (const char* text : {"ciao", "STOP"}) {
    ASSERT_EQ(http_request("POST", emulator_url_ + "/_emulator/whatsapp/inbound",
                           {{"Content-Type", "application/json"}},
                           std::string(R"({"from":"393331000001","text":")") + text + "\"}")
                  .status,
              200);
    if (std::string(text) == "ciao") {
      ASSERT_FALSE(post_and_wait(R"({"headline":"Allerta","event":"Flood","category":"Met",)"
                                 R"("severity":"Severe","urgency":"Immediate",)"
                                 R"("certainty":"Observed","channels":["whatsapp-comune"]})",
                                 {"sent"})
                       .empty());
    }
  }
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM opt_outs") == "1" &&
           db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'subscriber.answered'") ==
               "1";
  }));
  const auto anywhere = [&](const std::string& number) {
    long long rows = 0;
    pqxx::connection c(db_->dsn());
    pqxx::work tx(c);
    for (const auto& t : tx.exec("SELECT quote_ident(table_name) FROM information_schema.tables"
                                 " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
      rows += tx.exec1("SELECT count(*) FROM " + t[0].as<std::string>() +
                       " AS t WHERE t::text LIKE '%" + number + "%'")[0]
                  .as<long long>();
    }
    return rows;
  };
  ASSERT_GT(anywhere("393331000001"), 0);
  // "ciao" went to the citizens' inbox, with the number to answer it.
  ASSERT_EQ(db_->scalar("SELECT count(*) FROM conversations"), "1");

  // Before the erasure: an auditor reads deliveries with the number masked and its
  // pseudonym, in the list and the export; an operator, who may have to reach the
  // citizen, reads the number.
  const auto auditor_key = create_key("audit-office", "auditor");
  const auto read = [&](const std::string& key, const std::string& path) {
    return http_request("GET", daemon_url_ + path, {{"Authorization", "Bearer " + key}}).body;
  };
  for (const char* path : {"/v1/deliveries?state=sent", "/v1/deliveries/export?format=csv",
                           "/v1/deliveries/export?format=jsonl"}) {
    const auto seen = read(auditor_key, path);
    EXPECT_EQ(seen.find("393331000001"), std::string::npos) << path << ": " << seen;
    EXPECT_NE(seen.find("+39 333 ***0001"), std::string::npos) << path << ": " << seen;
    EXPECT_NE(seen.find(test_pseudonyms.of("393331000001")), std::string::npos) << path;
    EXPECT_NE(read(api_key_, path).find("393331000001"), std::string::npos) << path;
  }

  const auto erased = ctl({"subscribers", "erase", "whatsapp-comune", "+39 333 1000001"}, admin);
  EXPECT_EQ(erased.status, 0) << erased.output;
  EXPECT_NE(
      erased.output.find("erased: now " + test_pseudonyms.of("393331000001") + " in 1 deliveries"),
      std::string::npos)
      << erased.output;
  EXPECT_NE(erased.output.find("1 inbox conversations deleted"), std::string::npos)
      << erased.output;
  EXPECT_EQ(anywhere("393331000001"), 0);
  EXPECT_GT(anywhere("393331000000"), 0);  // the other citizen is untouched
  EXPECT_EQ(db_->scalar("SELECT kind || ' ' || address FROM opt_outs"),
            "erasure " + test_pseudonyms.of("393331000001"));

  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM audit_events") ==
           db_->scalar("SELECT count(*) FROM audit_leaves");
  }));
  const auto auditor = write_file("auditor.key", auditor_key + "\n");
  const auto verified = ctl({"audit", "verify", "--public-key", kAuditPublicKey}, auditor);
  EXPECT_EQ(verified.status, 0) << verified.output;

  // The erased number's withdrawal still holds, by its pseudonym.
  const auto csv = write_file(
      "again.csv", "address,language,consent_at\n393331000001,it,2026-11-01T09:00:00+01:00\n");
  const auto again = ctl({"subscribers", "import", "whatsapp-comune", csv}, admin);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("opted out on"), std::string::npos) << again.output;
}

// A cron host's scheduler key sets up a notice every minute with araldoctl, two daemons
// run it, and each occurrence goes out once. Other keys cannot touch it; a bad schedule
// is refused with what is wrong and where, and creates nothing.
TEST_F(AraldoctlE2E, ASchedulerKeysSchedulesAndTwoDaemonsSendEachOccurrenceOnce) {
  start_daemon();
  auto second_daemon = start_another_daemon();
  const auto scheduler = write_file("cron.key", create_key("cron-siren", "scheduler") + "\n");
  const auto other_scheduler =
      write_file("other.key", create_key("cron-other", "scheduler") + "\n");
  std::string alert_yaml;
  for (std::string line; const char c : kSirenTest) {
    line += c;
    if (c == '\n') {
      alert_yaml += "  " + line;
      line.clear();
    }
  }
  const auto schedule = write_file("siren-schedule.yaml",
                                   "name: siren every minute\n"
                                   "alert:\n" +
                                       alert_yaml +
                                       "  channels: [telegram-main]\n"
                                       "  expires_after: PT1H\n"
                                       "recurrence:\n"
                                       "  cron: '* * * * *'\n"
                                       "  time_zone: Europe/Rome\n"
                                       "misfire:\n"
                                       "  policy: send_late\n"
                                       "  within_seconds: 120\n");
  const auto created = ctl({"-o", "json", "schedules", "create", schedule}, scheduler);
  ASSERT_EQ(created.status, 0) << created.output;
  const auto doc = boost::json::parse(created.output.substr(created.output.find('{')));
  const std::string id(doc.at("id").as_string());
  EXPECT_EQ(doc.at("next_occurrences").as_array().size(), 5u);
  EXPECT_EQ(doc.at("rrule").as_string(),
            "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,"
            "14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,1,2,3,4,5,6,"
            "7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
            "26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,"
            "44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59");

  // The same name again (a retried create): refused, nothing added.
  const auto again = ctl({"schedules", "create", schedule}, scheduler);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_NE(again.output.find("409"), std::string::npos) << again.output;
  // An operator key does not manage schedules; another scheduler does not see this one.
  const auto by_operator = ctl({"schedules", "disable", id}, operator_key_file());
  EXPECT_EQ(by_operator.status, 1) << by_operator.output;
  EXPECT_NE(by_operator.output.find("403"), std::string::npos) << by_operator.output;
  const auto by_other = ctl({"schedules", "show", id}, other_scheduler);
  EXPECT_EQ(by_other.status, 1) << by_other.output;
  EXPECT_NE(by_other.output.find("404"), std::string::npos) << by_other.output;
  EXPECT_EQ(ctl({"schedules", "list"}, other_scheduler).output.find(id), std::string::npos);

  // The next minute comes: one alert, whichever daemon sent it.
  const auto sent = [&] {
    return std::stoll(db_->scalar(
        "SELECT count(*) FROM schedule_occurrences WHERE state = 'sent' AND schedule_id = '" + id +
        "'"));
  };
  ASSERT_TRUE(wait_until([&] { return sent() >= 1; }, seconds(150)));
  const auto disabled = ctl({"schedules", "disable", id}, scheduler);
  EXPECT_EQ(disabled.status, 0) << disabled.output;
  const auto n = sent();
  EXPECT_EQ(db_->count("alerts"), n);
  EXPECT_EQ(db_->scalar("SELECT count(DISTINCT occurrence) FROM schedule_occurrences"),
            std::to_string(n));
  EXPECT_EQ(db_->scalar("SELECT DISTINCT submitted_by FROM alerts"), "cron-siren");
  const auto expected = static_cast<std::size_t>(2 * n);  // two chats, once per occurrence
  ASSERT_TRUE(wait_until([&] { return emulator_messages().size() >= expected; }));
  EXPECT_EQ(emulator_messages().size(), expected);

  const auto shown = ctl({"schedules", "show", id}, scheduler);
  EXPECT_EQ(shown.status, 0) << shown.output;
  EXPECT_NE(shown.output.find("sent"), std::string::npos) << shown.output;
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'schedule.disabled'"), "1");
  second_daemon.reset();
}

TEST_F(AraldoctlE2E, ABadScheduleIsRefusedWithWhereAndCreatesNothing) {
  start_daemon();
  const auto scheduler = write_file("cron.key", create_key("cron-siren", "scheduler") + "\n");
  const auto refused = [&](const std::string& name, const std::string& json) {
    const auto r = ctl({"schedules", "create", write_file(name, json)}, scheduler);
    EXPECT_EQ(r.status, 1) << r.output;
    return r.output;
  };
  const std::string alert =
      R"("alert":{"headline":"Prova","event":"Test","category":"Safety","severity":"Minor",)"
      R"("urgency":"Future","certainty":"Observed","channels":["telegram-main"]})";
  // Standard cron would fire on days 1-7 and on every Monday.
  EXPECT_NE(refused("a.json", R"({"name":"a",)" + alert +
                                  R"(,"recurrence":{"cron":"0 12 1-7 * 1","time_zone":"UTC"}})")
                .find("FREQ=MONTHLY;BYDAY=1MO"),
            std::string::npos);
  EXPECT_NE(refused("b.json", R"({"name":"b",)" + alert +
                                  R"(,"recurrence":{"cron":"0 12 * * *","time_zone":"Rome"}})")
                .find("/recurrence/time_zone"),
            std::string::npos);
  EXPECT_NE(refused("c.json", R"({"name":"c","alert":{"headline":"x"},"recurrence":)"
                              R"({"rrule":"FREQ=MONTHLY;BYDAY=1MO","start":"2027-01-04T12:00",)"
                              R"("time_zone":"Europe/Rome"}})")
                .find("/alert/severity"),
            std::string::npos);
  EXPECT_NE(refused("d.json", R"({"name":"d",)" + alert +
                                  R"(,"recurrence":{"rrule":"FREQ=HOURLY;INTERVAL=x",)"
                                  R"("start":"2027-01-04T12:00","time_zone":"UTC"}})")
                .find("/recurrence/rrule"),
            std::string::npos);
  EXPECT_EQ(db_->count("schedules"), 0);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind LIKE 'schedule.%'"), "0");
}

// An auditor exports the log: CSV to a file and JSON Lines to stdout hold every event
// the database has, each field as stored (the JSON detail survives CSV quoting); filters
// apply; a wrong format or role is refused.
TEST_F(AraldoctlE2E, AnAuditorExportsTheLogAsCsvAndJsonLines) {
  start_daemon();
  const auto alert = write_file("siren.yaml", kSirenTest);
  for (int i = 0; i < 2; ++i) {
    const auto sent =
        ctl({"send", "--file", alert, "--channel", "telegram-main", "--wait"}, operator_key_file());
    ASSERT_EQ(sent.status, 0) << sent.output;
  }
  const auto auditor = write_file("auditor.key", create_key("auditor-1", "auditor") + "\n");
  const auto events = db_->count("audit_events");

  const auto csv_file = (dir_ / "audit.csv").string();
  const auto csv = ctl({"audit", "export", "--format", "csv", "--file", csv_file}, auditor);
  ASSERT_EQ(csv.status, 0) << csv.output;
  EXPECT_FALSE(std::filesystem::exists(csv_file + ".partial"));
  std::ifstream in(csv_file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = araldo::text::read_csv(text);
  ASSERT_TRUE(std::holds_alternative<std::vector<araldo::text::CsvRecord>>(parsed));
  const auto& records = std::get<std::vector<araldo::text::CsvRecord>>(parsed);
  ASSERT_EQ(static_cast<long long>(records.size()), events + 1);  // and the header
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"id", "seq", "at", "actor", "kind",
                                                         "alert_id", "delivery_id", "detail"}));
  for (std::size_t i = 1; i < records.size(); ++i) {
    const auto& f = records[i].fields;
    ASSERT_EQ(f.size(), 8u);
    // The detail column is the stored JSON, quotes and commas intact.
    EXPECT_EQ(boost::json::parse(f[7]),
              boost::json::parse(
                  db_->scalar("SELECT detail::text FROM audit_events WHERE id = " + f[0])));
  }

  const auto lines = ctl({"audit", "export", "--kind", "alert.accepted"}, auditor);
  ASSERT_EQ(lines.status, 0) << lines.output;
  std::stringstream jsonl(lines.output);
  int accepted = 0;
  for (std::string line; std::getline(jsonl, line);) {
    if (line.empty()) continue;
    const auto o = boost::json::parse(line).as_object();
    EXPECT_EQ(o.at("kind").as_string(), "alert.accepted");
    ++accepted;
  }
  EXPECT_EQ(accepted, 2);

  // Refusals: a scheduler may not export; an unknown format or Accept is named.
  const auto scheduler = write_file("cron.key", create_key("cron-1", "scheduler") + "\n");
  const auto denied = ctl({"audit", "export"}, scheduler);
  EXPECT_EQ(denied.status, 1) << denied.output;
  EXPECT_NE(denied.output.find("403"), std::string::npos) << denied.output;
  const std::string auditor_key = create_key("auditor-2", "auditor");
  const auto bad_format = http_request("GET", daemon_url_ + "/v1/audit/export?format=xml",
                                       {{"Authorization", "Bearer " + auditor_key}});
  EXPECT_EQ(bad_format.status, 400);
  EXPECT_NE(bad_format.body.find("\"parameter\":\"format\""), std::string::npos) << bad_format.body;
  const auto not_acceptable =
      http_request("GET", daemon_url_ + "/v1/audit/export",
                   {{"Authorization", "Bearer " + auditor_key}, {"Accept", "application/xml"}});
  EXPECT_EQ(not_acceptable.status, 406);
  const auto by_accept =
      http_request("GET", daemon_url_ + "/v1/audit/export?kind=alert.accepted",
                   {{"Authorization", "Bearer " + auditor_key}, {"Accept", "text/csv"}});
  EXPECT_EQ(by_accept.status, 200);
  EXPECT_EQ(by_accept.headers.find("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_EQ(std::count(by_accept.body.begin(), by_accept.body.end(), '\n'), 3);  // header + 2

  // The delivery log too, past one batch of 1,000: 1,500 failed copies of a delivery
  // join the four sent ones.
  db_->scalar(
      "WITH copies AS (INSERT INTO deliveries (alert_id, channel, channel_type, target,"
      " priority, state, rendered_text, part, parts, finished_at) SELECT alert_id, channel,"
      " channel_type, target || '-copy-' || g, priority, 'failed', rendered_text, part, parts, "
      "now()"
      " FROM (SELECT * FROM deliveries ORDER BY id LIMIT 1) d, generate_series(1, 1500) g"
      " RETURNING 1) SELECT count(*) FROM copies");
  const auto deliveries = http_request("GET", daemon_url_ + "/v1/deliveries/export?format=csv",
                                       {{"Authorization", "Bearer " + auditor_key}});
  ASSERT_EQ(deliveries.status, 200);
  auto rows = araldo::text::read_csv(deliveries.body);
  ASSERT_TRUE(std::holds_alternative<std::vector<araldo::text::CsvRecord>>(rows));
  const auto& log = std::get<std::vector<araldo::text::CsvRecord>>(rows);
  ASSERT_EQ(log.size(), 1505u);  // the header, 4 sent, 1,500 failed
  std::set<std::string> ids;
  for (std::size_t i = 1; i < log.size(); ++i) ids.insert(log[i].fields.at(0));
  EXPECT_EQ(ids.size(), 1504u);  // none twice across batches
  EXPECT_EQ(log[1].fields.at(6), "sent");
  EXPECT_EQ(log[1].fields.at(14),
            db_->scalar("SELECT rendered_text FROM deliveries WHERE id = " + log[1].fields[0]));
  const auto sent = http_request("GET", daemon_url_ + "/v1/deliveries/export?state=sent",
                                 {{"Authorization", "Bearer " + auditor_key}});
  EXPECT_EQ(sent.status, 200);
  EXPECT_EQ(std::count(sent.body.begin(), sent.body.end(), '\n'), 4) << sent.body;

  // A platform's answer that a spreadsheet would run as a formula is exported as text
  // (OWASP: a leading apostrophe), unless the caller asks for raw=true; JSON Lines are exact.
  const std::string formula = R"(=HYPERLINK("http://evil.example","ok"))";
  db_->exec("UPDATE deliveries SET last_error = '" + formula + "' WHERE id = " + log[1].fields[0]);
  const auto last_error_of = [&](const std::string& query) {
    const auto r = http_request("GET", daemon_url_ + "/v1/deliveries/export?" + query,
                                {{"Authorization", "Bearer " + auditor_key}});
    EXPECT_EQ(r.status, 200) << r.body;
    const auto read = araldo::text::read_csv(r.body);
    const auto& records = std::get<std::vector<araldo::text::CsvRecord>>(read);
    return records.at(1).fields.at(9);
  };
  EXPECT_EQ(last_error_of("state=sent&format=csv"), "'" + formula);
  EXPECT_EQ(last_error_of("state=sent&format=csv&raw=true"), formula);
  const auto exact =
      http_request("GET", daemon_url_ + "/v1/deliveries/export?state=sent&format=jsonl",
                   {{"Authorization", "Bearer " + auditor_key}});
  EXPECT_EQ(
      boost::json::parse(exact.body.substr(0, exact.body.find('\n'))).at("last_error").as_string(),
      formula);
  EXPECT_EQ(http_request("GET", daemon_url_ + "/v1/deliveries/export?format=csv&raw=yes",
                         {{"Authorization", "Bearer " + auditor_key}})
                .status,
            400);
}

// Disabled, enabled again (from the next occurrence on), deleted: each step shown and
// audited; a deleted schedule is gone for its owner but kept in the database.
TEST_F(AraldoctlE2E, ASchedulerDisablesEnablesAndDeletesItsSchedule) {
  start_daemon();
  const auto scheduler = write_file("cron.key", create_key("cron-siren", "scheduler") + "\n");
  const auto file = write_file(
      "weekly.json",
      R"({"name":"weekly","alert":{"headline":"Prova","event":"Test","category":"Safety",)"
      R"("severity":"Minor","urgency":"Future","certainty":"Observed",)"
      R"("channels":["telegram-main"]},"recurrence":{"rrule":"FREQ=WEEKLY;BYDAY=MO",)"
      R"("start":"2026-01-05T12:00","time_zone":"Europe/Rome"}})");
  const auto created = ctl({"-o", "json", "schedules", "create", file}, scheduler);
  ASSERT_EQ(created.status, 0) << created.output;
  const std::string id(
      boost::json::parse(created.output.substr(created.output.find('{'))).at("id").as_string());
  const auto disabled = ctl({"-o", "json", "schedules", "disable", id}, scheduler);
  ASSERT_EQ(disabled.status, 0) << disabled.output;
  const auto off = boost::json::parse(disabled.output.substr(disabled.output.find('{')));
  EXPECT_EQ(off.at("enabled").as_bool(), false);
  EXPECT_TRUE(off.at("next_occurrences").as_array().empty());
  const auto enabled = ctl({"schedules", "enable", id}, scheduler);
  EXPECT_EQ(enabled.status, 0) << enabled.output;
  EXPECT_NE(enabled.output.find("T12:00:00 local"), std::string::npos) << enabled.output;
  EXPECT_EQ(ctl({"schedules", "delete", id}, scheduler).status, 0);
  const auto gone = ctl({"schedules", "show", id}, scheduler);
  EXPECT_EQ(gone.status, 1) << gone.output;
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM schedules WHERE deleted_at IS NOT NULL"), "1");
  EXPECT_EQ(db_->scalar("SELECT string_agg(kind, ',' ORDER BY id) FROM audit_events"
                        " WHERE kind LIKE 'schedule.%'"),
            "schedule.created,schedule.disabled,schedule.enabled,schedule.deleted");
}

TEST_F(AraldoctlE2E, DryRunShowsEachPartAndSendsNothing) {
  start_daemon(whatsapp_channel(emulator_url_));
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);
  const auto alert = write_file("siren.yaml", kSirenTest);
  const auto r = ctl({"send", "--dry-run", "--file", alert, "--channel", "telegram-main"},
                     operator_key_file());
  EXPECT_EQ(r.status, 0) << r.output;
  // Whom it reaches first, then each part.
  EXPECT_TRUE(
      r.output.starts_with("will reach 2 recipient(s) over the whole territory\n"
                           "== telegram-main: reaches 2\n"))
      << r.output;
  EXPECT_NE(r.output.find("== telegram-main (telegram), it, 2 target(s)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("-- part 1/1: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Prova mensile delle sirene"), std::string::npos) << r.output;
  // Longer than a WhatsApp parameter takes: the problem is printed, the exit status is 1.
  std::string huge = kSirenTest + "instruction: \"";
  for (int i = 0; i < 100; ++i) huge += "Restare in casa. ";
  const auto bad = ctl({"send", "--dry-run", "--file", write_file("huge.yaml", huge + "\"\n"),
                        "--channel", "whatsapp-comune"},
                       operator_key_file());
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("error: whatsapp-comune: parameter 4 is"), std::string::npos)
      << bad.output;
  EXPECT_EQ(db_->count("alerts"), 0);
  EXPECT_TRUE(emulator_messages().empty());
}
