// The web console in a real browser: headless Chromium driven through WebDriver against
// araldod, the emulator and PostgreSQL. Screenshots are kept in the build tree
// (test-artifacts/console/) for a person to look at.
#include <boost/json.hpp>
#include <set>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/webdriver.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

const std::filesystem::path kArtifacts = ARALDO_ARTIFACTS_DIR;

}  // namespace

class ConsoleBrowser : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    browser_ = std::make_unique<WebDriver>();
  }
  void TearDown() override {
    browser_.reset();
    DaemonTest::TearDown();
  }
  // Polls a script in the page until it returns true.
  bool page_until(const std::string& script, milliseconds timeout = seconds(20)) {
    return wait_until(
        [&] {
          const auto v = browser_->run(script);
          return v.is_bool() && v.as_bool();
        },
        timeout);
  }
  std::string text_of(const std::string& css) {
    return std::string(
        browser_->run("return document.querySelector(arguments[0]).textContent;", {css.c_str()})
            .as_string());
  }
  void sign_in(const std::string& key) {
    browser_->go(daemon_url_ + "/console?lang=it");
    // Keyboard only: the key, then Enter submits the form.
    browser_->type(browser_->find("#key"), key + "\ue007");
  }
  void shot(const std::string& name) { browser_->screenshot(kArtifacts / (name + ".png")); }

  std::unique_ptr<WebDriver> browser_;
};

TEST_F(ConsoleBrowser, AnOperatorComposesWithALivePreviewSendsAndFollowsTheDeliveries) {
  start_daemon(x_channel(emulator_url_) + facebook_channel(emulator_url_));
  browser_->go(daemon_url_ + "/console?lang=it");
  shot("01-sign-in");
  EXPECT_EQ(browser_->run("return document.documentElement.lang;").as_string(), "it");
  // Every form control has a label, every button a name.
  EXPECT_EQ(boost::json::serialize(browser_->run(
                "return [...document.querySelectorAll('input,select,textarea')]"
                ".filter(e => e.labels.length === 0 && !e.closest('fieldset')).map(e => e.id);")),
            "[]");
  EXPECT_EQ(boost::json::serialize(browser_->run("return [...document.querySelectorAll('button')]"
                                                 ".filter(b => !b.textContent.trim()).length;")),
            "0");

  sign_in("not-a-key");
  ASSERT_TRUE(page_until("return document.querySelector('#error').textContent.length > 0;"));
  EXPECT_EQ(text_of("#error"), "Chiave non valida o revocata.");

  browser_->run("document.querySelector('#key').value = '';");
  browser_->type(browser_->find("#key"), api_key_ + "\ue007");
  ASSERT_TRUE(page_until("return document.querySelector('#who').textContent.includes('e2e');"));
  EXPECT_EQ(text_of("#who"), "Accesso come e2e (operator)");
  // The status view lists every channel and its queue.
  ASSERT_TRUE(
      page_until("return document.querySelectorAll('#status-table tbody tr').length === 3;"));

  browser_->type(browser_->find("#tabs [data-view=compose]"), "\ue007");  // Enter on the tab
  browser_->type(browser_->find("#headline"), "Esondazione Seveso");
  browser_->type(browser_->find("#area"), "Niguarda");
  browser_->type(browser_->find("#instruction"), "Salire ai piani alti");
  // The preview shows what each platform would publish, measured as it measures.
  ASSERT_TRUE(page_until(
      "return document.querySelectorAll('#preview-channels .preview-channel').length === 3 && "
      "document.querySelector('#preview-channels').textContent.includes('Esondazione Seveso');"));
  EXPECT_NE(text_of("#preview-channels").find("weighted_characters"), std::string::npos);
  EXPECT_NE(text_of("#preview-channels").find("utf16_units"), std::string::npos);
  EXPECT_TRUE(emulator_messages("telegram").empty());  // a preview sends nothing
  shot("02-compose-preview");

  browser_->click(browser_->find("#send"));
  ASSERT_TRUE(
      page_until("const rows = [...document.querySelectorAll('#deliveries-table tbody tr')];"
                 "return rows.length > 0 && rows.every(r => r.dataset.state === 'sent');",
                 seconds(60)))
      << text_of("#alert-detail") << text_of("#error");
  EXPECT_NE(text_of("#notice").find("Allerta accettata"), std::string::npos);
  const auto rows =
      browser_->run("return document.querySelectorAll('#deliveries-table tbody tr').length;");
  long long published = 0;
  for (const auto* p : {"telegram", "x", "facebook"}) {
    published += static_cast<long long>(emulator_messages(p).size());
  }
  EXPECT_EQ(rows.as_int64(), published);
  shot("03-deliveries");

  // Cancel, confirmed in the dialog: the published posts are corrected on the platforms.
  browser_->click(browser_->find("#cancel"));
  browser_->accept_dialog();
  ASSERT_TRUE(
      page_until("return document.querySelector('#notice').textContent === 'Allerta revocata.';"))
      << text_of("#error");
  ASSERT_TRUE(wait_until([&] {
    int edits = 0;
    for (const auto& m : emulator_messages("telegram")) {
      if (m.at("method") == "editMessageText") ++edits;
    }
    return edits == 2;  // both chats' posts now say the alert was cancelled
  }));

  // English, everywhere, without reloading.
  browser_->run(
      "const s = document.querySelector('#language'); s.value = 'en';"
      "s.dispatchEvent(new Event('change'));");
  EXPECT_EQ(browser_->run("return document.documentElement.lang;").as_string(), "en");
  EXPECT_EQ(text_of("#compose-title"), "New alert");
  EXPECT_EQ(text_of("#who"), "Signed in as e2e (operator)");
  shot("04-english");
}

TEST_F(ConsoleBrowser, AnAuditorReadsTheLogWhereCitizensWordsStayTextAndCannotCompose) {
  const std::string channel =
      "  telegram-citizens:\n    type: telegram\n    base_url: " + emulator_url_ +
      "\n    bot_token: ${TELEGRAM_TOKEN}\n    subscribers: true\n"
      "    inbound: {secret_token: fb-app-s3cret-0123}\n";
  start_daemon(channel);
  const auto set =
      http_request("POST", emulator_url_ + "/bot" + kBotToken + "/setWebhook",
                   {{"Content-Type", "application/json"}},
                   R"({"url":")" + daemon_url_ +
                       R"(/webhooks/telegram-citizens","secret_token":"fb-app-s3cret-0123"})");
  ASSERT_EQ(set.status, 200) << set.body;
  // A deep-link payload is whatever the citizen's link said: here, markup.
  const std::string hostile = "/start <img/src=x/onerror=document.title='owned'>";
  boost::json::object update{{"chat_id", 6660001}, {"text", hostile}};
  const auto sent =
      http_request("POST", emulator_url_ + "/_emulator/telegram/updates",
                   {{"Content-Type", "application/json"}}, boost::json::serialize(update));
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'subscriber.opted_in'") ==
           "1";
  }));

  const auto status = post_and_wait(
      R"({"headline":"Prova sirene","event":"Test","category":"Safety","severity":"Minor",)"
      R"("urgency":"Expected","certainty":"Observed","channels":["telegram-main"]})",
      {"sent"});
  ASSERT_FALSE(status.empty());
  const auto auditor = create_key("auditor-1", "auditor");
  sign_in(auditor);
  ASSERT_TRUE(
      page_until("return document.querySelector('#who').textContent.includes('auditor-1');"));
  // An auditor has no compose tab, and the API would refuse a send anyway.
  EXPECT_TRUE(browser_->run("return document.querySelector('#tabs [data-view=compose]').hidden;")
                  .as_bool());
  browser_->click(browser_->find("#tabs [data-view=audit]"));
  browser_->type(browser_->find("#audit-kind"), "subscriber.opted_in\ue007");
  ASSERT_TRUE(
      page_until("const rows = document.querySelectorAll('#audit-table tbody tr');"
                 "return rows.length === 1 && rows[0].textContent.includes('onerror');"));
  EXPECT_EQ(
      browser_->run("return document.querySelectorAll('#audit-table img').length;").as_int64(), 0);
  EXPECT_EQ(browser_->run("return document.title;").as_string(), "Araldo");
  EXPECT_NE(text_of("#audit-table tbody").find(hostile), std::string::npos);

  // The delivery log, filtered by state.
  browser_->run("const s = document.querySelector('#dlog-state'); s.value = 'sent';");
  browser_->click(browser_->find("#dlog-filter button[type=submit]"));
  ASSERT_TRUE(page_until("return document.querySelectorAll('#dlog-table tbody tr').length === 2;"))
      << text_of("#dlog-table") << text_of("#error");
  EXPECT_NE(text_of("#dlog-table tbody").find("@allerta_comune"), std::string::npos);

  browser_->click(browser_->find("#audit-verify"));
  ASSERT_TRUE(
      page_until("return document.querySelector('#verify-result').textContent.length > 0;"));
  EXPECT_NE(text_of("#verify-result").find("Catena integra"), std::string::npos)
      << text_of("#verify-result");
  shot("05-audit-log");

  // Without a key, or with the wrong role, the API the console uses refuses.
  EXPECT_EQ(http_request("GET", daemon_url_ + "/v1/status").status, 401);
  const auto as_auditor = http_request(
      "POST", daemon_url_ + "/v1/alerts",
      {{"Authorization", "Bearer " + auditor}, {"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(as_auditor.status, 403);
  const auto page = http_request("GET", daemon_url_ + "/console");
  EXPECT_NE(page.headers.find("Content-Security-Policy").value_or("").find("script-src 'self'"),
            std::string::npos);
}

// Issue 22 in the console: the operator picks the zones an alert hits and sees whom it will
// reach before sending, follows the deliveries and answers per zone, and answers a citizen
// from the inbox.
// Severe alerts wait for a second operator (the two-person rule).
class ConsoleBrowserApproval : public ConsoleBrowser {
 protected:
  std::string alert_settings() const override {
    return "approval: {severities: [Severe], timeout_seconds: 3600}";
  }
};

TEST_F(ConsoleBrowserApproval, AnOperatorTargetsAZoneSeesTheReachAndAnswersACitizen) {
  start_daemon(
      whatsapp_channel(emulator_url_, "    inbound: {verify_token: vtok-123-verify-token}\n"));
  const auto zones = http_request(
      "POST", daemon_url_ + "/v1/zones",
      {{"Authorization", "Bearer " + admin_key_}, {"Content-Type", "application/json"}},
      R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"niguarda","label":"Niguarda"},
  "geometry":{"type":"Polygon","coordinates":[[[9.18,45.51],[9.20,45.51],[9.20,45.52],
   [9.18,45.52],[9.18,45.51]]]}},
 {"type":"Feature","properties":{"name":"bicocca","label":"Bicocca"},
  "geometry":{"type":"Polygon","coordinates":[[[9.20,45.51],[9.22,45.51],[9.22,45.52],
   [9.20,45.52],[9.20,45.51]]]}}]})");
  ASSERT_EQ(zones.status, 201) << zones.body;
  // Two in Niguarda, one in Bicocca (next door: a shared border is not a hit), one in none.
  const auto imported = import_subscribers("whatsapp-comune",
                                           "address,language,consent_at,zones\n"
                                           "393331000001,it,2026-11-01T09:00:00+01:00,niguarda\n"
                                           "393331000002,it,2026-11-01T09:00:00+01:00,niguarda\n"
                                           "393331000003,it,2026-11-01T09:00:00+01:00,bicocca\n"
                                           "393331000004,it,2026-11-01T09:00:00+01:00,\n");
  ASSERT_EQ(imported.status, 200) << imported.body;
  ASSERT_EQ(http_request("POST", emulator_url_ + "/_emulator/whatsapp/webhook",
                         {{"Content-Type", "application/json"}},
                         R"({"url":")" + daemon_url_ + R"(/webhooks/whatsapp-comune"})")
                .status,
            200);

  sign_in(api_key_);
  ASSERT_TRUE(page_until("return document.querySelector('#who').textContent.includes('e2e');"));
  browser_->click(browser_->find("#tabs [data-view=compose]"));
  ASSERT_TRUE(
      page_until("return document.querySelectorAll('#zones input').length === 2 && "
                 "document.querySelectorAll('#channels input').length > 0;"));
  browser_->click(browser_->find("#zones input[value=niguarda]"));
  browser_->click(browser_->find("#channels input[value=whatsapp-comune]"));
  browser_->click(browser_->find("#acknowledge"));
  browser_->type(browser_->find("#headline"), "Esondazione Seveso");
  browser_->type(browser_->find("#description"), "Il Seveso esce dagli argini a Niguarda.");
  browser_->type(browser_->find("#instruction"), "Salire ai piani alti");
  // Before sending: whom it reaches, through which zone.
  ASSERT_TRUE(
      page_until("return document.querySelector('#preview-reach').textContent === "
                 "'Raggiungerà 3 destinatari nelle zone: Niguarda';"))
      << text_of("#preview") << text_of("#error");
  EXPECT_NE(text_of("#preview-channels").find("niguarda: 2"), std::string::npos)
      << text_of("#preview-channels");
  EXPECT_TRUE(emulator_messages("whatsapp").empty());
  shot("06-zone-reach");

  browser_->click(browser_->find("#send"));
  // Held for a second operator, who sees whom it will reach before approving.
  ASSERT_TRUE(page_until(
      "return document.querySelector('#alert-detail').dataset.state === 'awaiting_approval';"))
      << text_of("#alert-detail") << text_of("#error");
  EXPECT_TRUE(emulator_messages("whatsapp").empty());
  const auto second = create_key("e2e-second", "operator");
  browser_->click(browser_->find("#logout"));
  ASSERT_TRUE(page_until("return !document.querySelector('#login').hidden;"));
  browser_->type(browser_->find("#key"), second + "\ue007");
  ASSERT_TRUE(
      page_until("return document.querySelector('#who').textContent.includes('e2e-second');"));
  browser_->click(browser_->find("#tabs [data-view=alerts]"));
  ASSERT_TRUE(
      page_until("return document.querySelectorAll('#alerts-table tbody tr').length === 1;"))
      << text_of("#alerts-table") << text_of("#error");
  // In words and in the configured time zone, not CAP's raw values.
  EXPECT_NE(text_of("#alerts-table tbody").find("Grave"), std::string::npos)
      << text_of("#alerts-table tbody");
  EXPECT_NE(text_of("#alerts-table tbody").find("dicembre"), std::string::npos)
      << text_of("#alerts-table tbody");
  browser_->click(browser_->find("#alerts-table tbody tr button"));
  // The button shows once the alert is open and waiting (not merely allowed to the role).
  ASSERT_TRUE(page_until(
      "return document.querySelector('#alert-detail').dataset.state === 'awaiting_approval' &&"
      " document.querySelector('#detail-reach').textContent.length > 0 &&"
      " !document.querySelector('#approve').hidden;"))
      << text_of("#alert-detail") << text_of("#error");
  EXPECT_EQ(text_of("#detail-reach"), "Raggiunge 3 iscritti in 1 zone e 0 canali pubblici");
  shot("07-approval-reach");
  browser_->click(browser_->find("#approve"));
  ASSERT_TRUE(
      page_until("const row = document.querySelector('#zones-table tbody tr[data-zone=niguarda]');"
                 "return row !== null && row.cells[2].textContent === '2';",
                 seconds(60)))
      << text_of("#alert-detail") << text_of("#error");
  EXPECT_EQ(text_of("#detail-reach"), "Raggiunge 3 iscritti in 1 zone e 0 canali pubblici");
  EXPECT_EQ(text_of("#detail-acks"), "Risposte: 0 stanno bene, 0 chiedono aiuto");
  EXPECT_FALSE(browser_->run("return document.querySelector('#follow-up-box').hidden;").as_bool());
  std::set<std::string> reached;
  for (const auto& m : emulator_messages("whatsapp")) {
    reached.insert(std::string(m.at("to").as_string()));
  }
  EXPECT_EQ(reached, (std::set<std::string>{"393331000001", "393331000002", "393331000004"}));
  shot("08-by-zone");

  // A citizen writes; the operator answers from the inbox.
  ASSERT_EQ(http_request("POST", emulator_url_ + "/_emulator/whatsapp/inbound",
                         {{"Content-Type", "application/json"}},
                         R"({"from":"393331000001","text":"La cantina e allagata, cosa faccio?"})")
                .status,
            200);
  browser_->click(browser_->find("#tabs [data-view=inbox]"));
  ASSERT_TRUE(
      page_until("const rows = document.querySelectorAll('#inbox-table tbody tr');"
                 "return rows.length === 1 && rows[0].dataset.state === 'new' &&"
                 " rows[0].textContent.includes('La cantina e allagata');"))
      << text_of("#view-inbox") << text_of("#error");
  EXPECT_EQ(text_of("#inbox-table tbody").find("393331000001"), std::string::npos);
  browser_->click(browser_->find("#inbox-table tbody tr button"));
  ASSERT_TRUE(page_until("return !document.querySelector('#conversation').hidden;"));
  browser_->type(browser_->find("#reply-text"), "Staccate la corrente e salite al primo piano.");
  browser_->click(browser_->find("#reply-send"));
  ASSERT_TRUE(
      page_until("return document.querySelector('#notice').textContent === "
                 "'Risposta inviata (testo libero).' && "
                 "document.querySelector('#inbox-table tbody tr').dataset.state === "
                 "'answered';"))
      << text_of("#error");
  EXPECT_NE(text_of("#conversation-history").find("Staccate la corrente"), std::string::npos);
  std::string answered;
  for (const auto& m : emulator_messages("whatsapp")) {
    const auto* type = m.as_object().if_contains("type");
    if (type && *type == "text") answered = m.at("text").as_string();
  }
  EXPECT_EQ(answered, "Staccate la corrente e salite al primo piano.");
  shot("09-inbox-reply");
}
