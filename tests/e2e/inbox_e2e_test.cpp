// The citizens' inbox (issue 22): what a citizen writes, and "Ho bisogno di aiuto" pressed
// under an alert, open a conversation; an operator assigns and answers it, through the
// citizen's own channel and within what the platform allows (WhatsApp: free-form text
// within 24 hours of the citizen's last message, a template after). WhatsApp alerts that
// ask for an answer carry quick-reply buttons. Every step is audited by pseudonym.
#include <sys/stat.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/e2e/inbound_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

// The channel of the e2e fixture, with the approved reply template and the alert
// template's twin with two quick-reply buttons (both registered in the emulator below).
std::string whatsapp_with_inbox(const std::string& url, bool reply_template) {
  return "  whatsapp-comune:\n    type: whatsapp\n    base_url: " + url +
         "\n    phone_number_id: '1055555'\n    access_token: EAAWaToken\n"
         "    app_secret: wa-app-s3cret-0123\n"
         "    template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US},"
         " with_answer_buttons: allerta_risposta}\n"
         "    inbound: {verify_token: vtok-123-verify-token" +
         (reply_template ? ", reply_template: {name: risposta_urp, language: it}" : "") + "}\n";
}

const std::string kCitizen = "393331234567";

}  // namespace

class InboxE2E : public InboundE2E {
 protected:
  std::vector<std::string> extra_emulator_args() const override {
    return {"--whatsapp-template", "risposta_urp:it:1", "--whatsapp-template",
            "allerta_risposta:it,en_US:4:2"};
  }
  HttpResult call(const std::string& method, const std::string& path,
                  const std::string& body = "") {
    return http_request(
        method, daemon_url_ + path,
        {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, body);
  }
  boost::json::array conversations(const std::string& query = "") {
    const auto r = call("GET", "/v1/inbox" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return boost::json::parse(r.body).at("conversations").as_array();
  }
  boost::json::object conversation(long long id) {
    const auto r = call("GET", "/v1/inbox/" + std::to_string(id));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return boost::json::parse(r.body).as_object();
  }
  // Waits for the first conversation to hold `messages` messages; its id, or 0.
  long long first_conversation_with(long long messages) {
    long long id = 0;
    const bool found = wait_until([&] {
      const auto all = conversations();
      if (all.empty() || all[0].at("messages").as_int64() != messages) return false;
      id = all[0].at("id").as_int64();
      return true;
    });
    return found ? id : 0;
  }
  // A citizen's message written 25 hours ago (a retry delivered late): WhatsApp's window
  // for free-form replies has closed. The conversation's id, or 0.
  long long conversation_written_a_day_ago() {
    const auto r =
        citizen_writes(kCitizen, "Ci sono sacchi di sabbia?", R"("sent_seconds_ago":90000)");
    EXPECT_EQ(answers_of(r), (std::vector<long long>{200})) << r.body;
    return first_conversation_with(1);
  }
  boost::json::array audit_details(const std::string& kind) {
    const auto rows = db_->scalar(
        "SELECT coalesce(json_agg(detail ORDER BY id), '[]')::text"
        " FROM audit_events WHERE kind = '" +
        kind + "'");
    return boost::json::parse(rows).as_array();
  }
  // araldoctl with the operator's key, as the citizens' relations office would run it.
  std::pair<int, std::string> ctl(const std::vector<std::string>& args) {
    const auto key_file = (dir_ / "operator.key").string();
    { std::ofstream(key_file) << api_key_ << "\n"; }
    chmod(key_file.c_str(), 0600);
    ChildProcess p(
        ARALDOCTL_PATH, args,
        {{"ARALDO_SERVER", daemon_url_}, {"ARALDO_KEY_FILE", key_file}, {"HOME", dir_.string()}});
    const int status = p.wait(seconds(60)).value_or(-1);
    return {status, p.output()};
  }
};

TEST_F(InboxE2E, AWhatsAppMessageIsAssignedAndAnsweredInsideTheWindowQuotingIt) {
  start_daemon(whatsapp_with_inbox(emulator_url_, false));
  point_whatsapp_webhook();
  const auto wrote = citizen_writes(kCitizen, "Via Roma e allagata, la scuola e chiusa?");
  ASSERT_EQ(answers_of(wrote), (std::vector<long long>{200}));
  const auto wamid = std::string(boost::json::parse(wrote.body).at("id").as_string());
  const auto id = first_conversation_with(1);
  ASSERT_GT(id, 0) << daemon_->output();

  auto c = conversation(id);
  EXPECT_EQ(c.at("state"), "new");
  EXPECT_EQ(c.at("channel"), "whatsapp-comune");
  EXPECT_TRUE(std::string(c.at("citizen").as_string()).starts_with("sub:"));
  EXPECT_EQ(c.at("history").at(0).at("text"), "Via Roma e allagata, la scuola e chiusa?");
  // The number appears nowhere in what the operator reads.
  EXPECT_EQ(call("GET", "/v1/inbox").body.find(kCitizen), std::string::npos);
  EXPECT_EQ(call("GET", "/v1/inbox/" + std::to_string(id)).body.find(kCitizen), std::string::npos);

  const auto assigned = call("POST", "/v1/inbox/" + std::to_string(id) + "/assign",
                             R"({"to":"Ufficio URP - Maria"})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(boost::json::parse(assigned.body).at("state"), "assigned");
  EXPECT_EQ(conversations("?state=new").size(), 0u);
  EXPECT_EQ(conversations("?state=assigned").size(), 1u);

  const auto replied = call("POST", "/v1/inbox/" + std::to_string(id) + "/reply",
                            R"({"text":"Si, la scuola di via Roma resta chiusa fino a lunedi."})");
  ASSERT_EQ(replied.status, 200) << replied.body;
  EXPECT_EQ(boost::json::parse(replied.body).at("via"), "free_form");
  // WhatsApp got a free-form text to the citizen, quoting the citizen's message.
  boost::json::object sent;
  for (const auto& m : emulator_messages("whatsapp")) {
    if (m.at("type") == "text" && m.at("to").as_string() == kCitizen) sent = m.as_object();
  }
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.at("text"), "Si, la scuola di via Roma resta chiusa fino a lunedi.");
  EXPECT_EQ(sent.at("context").as_string(), wamid);
  c = conversation(id);
  EXPECT_EQ(c.at("state"), "answered");
  EXPECT_EQ(c.at("assignee"), "Ufficio URP - Maria");
  ASSERT_EQ(c.at("history").as_array().size(), 2u);
  EXPECT_EQ(c.at("history").at(1).at("direction"), "out");
  EXPECT_EQ(c.at("history").at(1).at("outcome"), "delivered");

  // Writing again puts it back among those awaiting an answer, with its assignee.
  ASSERT_EQ(answers_of(citizen_writes(kCitizen, "Grazie. E la palestra?")),
            (std::vector<long long>{200}));
  ASSERT_EQ(first_conversation_with(3), id);
  EXPECT_EQ(conversation(id).at("state"), "assigned");

  // Audited: received twice, assigned, replied; by pseudonym and digest, never the
  // number or the words.
  EXPECT_EQ(audit_count("inbox.received"), 2);
  const auto replies = audit_details("inbox.replied");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].at("via"), "free_form");
  EXPECT_EQ(replies[0].at("outcome"), "delivered");
  EXPECT_EQ(replies[0].at("citizen"), c.at("citizen"));
  const auto log = db_->scalar(
      "SELECT string_agg(detail::text, ' ') FROM audit_events"
      " WHERE kind LIKE 'inbox.%'");
  EXPECT_EQ(log.find(kCitizen), std::string::npos);
  EXPECT_EQ(log.find("palestra"), std::string::npos);
  EXPECT_EQ(audit_details("inbox.assigned").at(0).at("assignee"), "Ufficio URP - Maria");
}

TEST_F(InboxE2E, OutsideTheWindowAReplyNeedsTheTemplateAndWithoutOneNothingIsSent) {
  start_daemon(whatsapp_with_inbox(emulator_url_, false));
  point_whatsapp_webhook();
  const auto id = conversation_written_a_day_ago();
  ASSERT_GT(id, 0);
  const auto before = emulator_messages("whatsapp").size();
  const auto refused =
      call("POST", "/v1/inbox/" + std::to_string(id) + "/reply", R"({"text":"Si, in piazza."})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("reply-window-closed"), std::string::npos);
  EXPECT_NE(refused.body.find("reply_template"), std::string::npos);
  EXPECT_EQ(emulator_messages("whatsapp").size(), before);
  EXPECT_EQ(conversation(id).at("state"), "new");
  EXPECT_EQ(audit_count("inbox.replied"), 0);

  // Bad input: a clear error, nothing sent.
  const auto empty = call("POST", "/v1/inbox/" + std::to_string(id) + "/reply", R"({"text":" "})");
  EXPECT_EQ(empty.status, 422);
  EXPECT_NE(empty.body.find("/text"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/inbox/999999/reply", R"({"text":"x"})").status, 404);
  const auto bad_role =
      call("POST", "/v1/inbox/" + std::to_string(id) + "/assign", R"({"role":"urp"})");
  EXPECT_EQ(bad_role.status, 422);
  EXPECT_NE(bad_role.body.find("/role"), std::string::npos);
}

TEST_F(InboxE2E, OutsideTheWindowTheReplyGoesAsTheApprovedTemplateFromAraldoctl) {
  start_daemon(whatsapp_with_inbox(emulator_url_, true));
  point_whatsapp_webhook();
  const auto id = conversation_written_a_day_ago();
  ASSERT_GT(id, 0);
  const auto [listed, list_out] = ctl({"inbox", "list", "--state", "new"});
  EXPECT_EQ(listed, 0) << list_out;
  EXPECT_NE(list_out.find("Ci sono sacchi di sabbia?"), std::string::npos) << list_out;
  EXPECT_EQ(list_out.find(kCitizen), std::string::npos);
  const auto [assigned, assign_out] =
      ctl({"inbox", "assign", std::to_string(id), "--role", "operator"});
  EXPECT_EQ(assigned, 0) << assign_out;
  EXPECT_EQ(conversation(id).at("assignee"), "role:operator");

  const auto [status, out] =
      ctl({"inbox", "reply", std::to_string(id), "Si, in piazza del mercato\ndalle 8."});
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("template"), std::string::npos) << out;
  boost::json::object sent;
  for (const auto& m : emulator_messages("whatsapp")) {
    if (m.as_object().contains("template") && m.at("to").as_string() == kCitizen)
      sent = m.as_object();
  }
  ASSERT_FALSE(sent.empty()) << boost::json::serialize(emulator_messages("whatsapp"));
  EXPECT_EQ(sent.at("template"), "risposta_urp");
  // A template parameter takes no new lines: the emulator refuses them as Meta does.
  EXPECT_EQ(sent.at("parameters").at(0), "Si, in piazza del mercato dalle 8.");
  EXPECT_EQ(conversation(id).at("state"), "answered");
  EXPECT_EQ(audit_details("inbox.replied").at(0).at("via"), "template");

  // A conversation that does not exist: a message and a non-zero exit.
  const auto [missing, missing_out] = ctl({"inbox", "reply", "999999", "x"});
  EXPECT_NE(missing, 0);
  EXPECT_NE(missing_out.find("999999"), std::string::npos) << missing_out;
}

TEST_F(InboxE2E, ATelegramMessageIsAnsweredAsAReplyToIt) {
  start_daemon(telegram_citizens(emulator_url_, "{secret_token: s3cr3t-Token_1-long}"));
  point_telegram_webhook();
  ASSERT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550001,"text":"/start"})")),
            (std::vector<long long>{200}));
  ASSERT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550001,"text":"Il sottopasso e chiuso?"})")),
            (std::vector<long long>{200}));
  const auto id = first_conversation_with(1);
  ASSERT_GT(id, 0) << daemon_->output();
  const auto quoted = db_->scalar("SELECT last_message_id FROM conversations");
  ASSERT_FALSE(quoted.empty());
  const auto replied = call("POST", "/v1/inbox/" + std::to_string(id) + "/reply",
                            R"({"text":"Si, chiuso fino a nuovo avviso."})");
  ASSERT_EQ(replied.status, 200) << replied.body;
  boost::json::object sent;
  for (const auto& m : emulator_messages("telegram")) {
    const auto* text = m.as_object().if_contains("text");
    if (text && *text == "Si, chiuso fino a nuovo avviso.") sent = m.as_object();
  }
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.at("chat_id"), "5550001");
  ASSERT_TRUE(sent.contains("reply_to_message_id"));
  EXPECT_EQ(std::to_string(sent.at("reply_to_message_id").as_int64()), quoted);
  EXPECT_EQ(conversation(id).at("state"), "answered");
}

TEST_F(InboxE2E, WhatsAppAnswersComeFromQuickRepliesOnceEachAndHelpOpensAConversation) {
  start_daemon(whatsapp_with_inbox(emulator_url_, false));
  point_whatsapp_webhook();
  const auto imported =
      import_subscribers("whatsapp-comune",
                         "address,language,consent_at\n393330000001,it,2026-11-01T09:00:00+01:00\n"
                         "393330000002,it,2026-11-01T09:00:00+01:00\n");
  ASSERT_EQ(imported.status, 200) << imported.body;
  const auto status = post_and_wait(
      R"({"headline":"Esondazione del Seveso","event":"Flood","category":"Met",
          "severity":"Severe","urgency":"Immediate","certainty":"Observed","area":"Niguarda",
          "acknowledge":true,"channels":["whatsapp-comune"]})",
      {"sent"});
  ASSERT_FALSE(status.empty());
  std::map<std::string, long long> delivery_of;
  for (const auto& d : status.at("deliveries").as_array()) {
    delivery_of[std::string(d.at("target").as_string())] = d.at("id").as_int64();
  }
  // Each message went as the twin template, its buttons carrying its own delivery.
  std::map<std::string, std::string> wamid_of;
  for (const auto& m : emulator_messages("whatsapp")) {
    if (!m.as_object().contains("template")) continue;
    const auto to = std::string(m.at("to").as_string());
    EXPECT_EQ(m.at("template"), "allerta_risposta");
    const auto tag = "ack:" + std::to_string(delivery_of[to]);
    EXPECT_EQ(m.at("buttons"), (boost::json::array{tag + ":safe", tag + ":help"}));
    wamid_of[to] = m.at("id").as_string();
  }
  ASSERT_EQ(wamid_of.size(), 2u);
  const auto press = [&](const std::string& from, int button, const std::string& payload = "") {
    return answers_of(
        emulator_post("/_emulator/whatsapp/press",
                      R"({"from":")" + from + R"(","id":")" + wamid_of[from] + R"(","button":)" +
                          std::to_string(button) +
                          (payload.empty() ? "" : R"(,"payload":")" + payload + "\"") + "}"));
  };
  EXPECT_EQ(press("393330000001", 0), (std::vector<long long>{200}));
  EXPECT_EQ(press("393330000001", 0), (std::vector<long long>{200}));  // pressed twice
  EXPECT_EQ(press("393330000002", 1), (std::vector<long long>{200}));
  // 393330000002's client sends the other citizen's delivery as its own: forged.
  EXPECT_EQ(
      press("393330000002", 0, "ack:" + std::to_string(delivery_of["393330000001"]) + ":help"),
      (std::vector<long long>{200}));
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar(
               "SELECT count(*) FROM inbound_items WHERE processed_at IS NOT NULL"
               " AND payload LIKE '%\"button\"%'") == "4";
  }));
  EXPECT_EQ(db_->scalar("SELECT string_agg(outcome, ',' ORDER BY id) FROM inbound_items"
                        " WHERE payload LIKE '%\"button\"%'"),
            "acknowledged,duplicate,acknowledged,forged");
  EXPECT_EQ(db_->scalar("SELECT string_agg(delivery_id || ':' || answer, ',' ORDER BY"
                        " delivery_id) FROM acknowledgements"),
            std::to_string(delivery_of["393330000001"]) + ":safe," +
                std::to_string(delivery_of["393330000002"]) + ":need_help");
  // The alert counts them; the one who needs help is in the inbox, linked to the alert.
  const auto alert = get_alert(std::string(status.at("id").as_string()));
  EXPECT_EQ(alert.at("acknowledgements").at("safe"), 1);
  EXPECT_EQ(alert.at("acknowledgements").at("need_help"), 1);
  const auto id = first_conversation_with(1);
  ASSERT_GT(id, 0);
  const auto c = conversation(id);
  EXPECT_EQ(c.at("history").at(0).at("kind"), "need_help");
  EXPECT_EQ(c.at("history").at(0).at("alert_id"), status.at("id"));
  // No press is answered with a message: the number's throughput stays with the alerts.
  EXPECT_TRUE(whatsapp_texts().empty());
  EXPECT_EQ(audit_count("subscriber.answered"), 0);
}

// Each reply holds an HTTP thread until the platform answers. With WhatsApp hanging, at
// most half the daemon's threads (4 of 8 here) wait on it: the other replies are refused
// at once with 503 and Retry-After, nothing sent, and the daemon still answers everything
// else while the four wait.
TEST_F(InboxE2E, RepliesToAHangingPlatformNeverTakeEveryHttpThread) {
  start_daemon(whatsapp_with_inbox(emulator_url_, false));
  point_whatsapp_webhook();
  ASSERT_EQ(answers_of(citizen_writes(kCitizen, "Dove sono i sacchi di sabbia?")),
            (std::vector<long long>{200}));
  const auto id = first_conversation_with(1);
  ASSERT_GT(id, 0) << daemon_->output();
  emulator_fault(R"({"platform":"whatsapp","count":-1,"latency_ms":10000})");

  constexpr int replies = 8;  // as many as the daemon has HTTP threads
  std::atomic<int> refused{0}, answered{0};
  std::vector<HttpResult> results(replies);
  std::vector<std::jthread> threads;  // joined however the test ends
  for (int i = 0; i < replies; ++i) {
    threads.emplace_back([&, i] {
      results[i] = call("POST", "/v1/inbox/" + std::to_string(id) + "/reply",
                        R"({"text":"In piazza del mercato."})");
      ++(results[i].status == 503 ? refused : answered);
    });
  }
  ASSERT_TRUE(wait_until([&] { return refused.load() == replies / 2; }));
  // Four replies wait on WhatsApp; another request still finds a thread before they end.
  const auto health = http_request("GET", daemon_url_ + "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(answered.load(), 0) << "the health check waited for a reply to finish";
  for (auto& t : threads) t.join();

  int busy = 0;
  for (const auto& r : results) {
    if (r.status != 503) continue;
    ++busy;
    EXPECT_NE(r.body.find("replies-busy"), std::string::npos) << r.body;
    EXPECT_EQ(r.headers.find("Retry-After").value_or(""), "5");
  }
  EXPECT_EQ(busy, replies / 2);
  EXPECT_EQ(answered.load(), replies / 2);
  // Only the four that waited reached WhatsApp.
  int sent = 0;
  for (const auto& m : emulator_messages("whatsapp")) {
    if (m.at("to").as_string() == kCitizen) ++sent;
  }
  EXPECT_EQ(sent, replies / 2);
}
