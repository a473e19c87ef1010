// Safe sending against araldod and the emulator: drills and tests reach only the
// channels configured for them and say so in words; a Draft is stored, never sent.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>

#include <set>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

std::string alert(const std::string& extra = "", const std::string& severity = "Severe") {
  return R"({"headline":"Esondazione Seveso","event":"Flood","category":"Met","severity":")" +
         severity + R"(","urgency":"Immediate","certainty":"Observed")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

// A private chat for drills, next to the public channel of the base configuration.
const std::string kDrillChannel =
    "  telegram-drill:\n"
    "    type: telegram\n"
    "    base_url: EMULATOR\n"
    "    bot_token: ${TELEGRAM_TOKEN}\n"
    "    chats: ['-1004001']\n"
    "    statuses: [Exercise, Test]\n";

std::string drill_channel(const std::string& emulator_url) {
  auto yaml = kDrillChannel;
  yaml.replace(yaml.find("EMULATOR"), 8, emulator_url);
  return yaml;
}

std::string chat_of(const boost::json::value& m) {
  return std::string(m.at("chat_id").as_string());
}

}  // namespace

class SafeSendingE2E : public DaemonTest {};

TEST_F(SafeSendingE2E, AnExerciseReachesOnlyTheDrillChannelAndSaysSoInWords) {
  start_daemon(drill_channel(emulator_url_));
  const auto status = post_and_wait(alert(R"("status":"Exercise")"), {"sent"});
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.at("total_deliveries").as_int64(), 1);
  const auto messages = emulator_messages("telegram");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(chat_of(messages[0]), "-1004001");
  const std::string text(messages[0].at("plain_text").as_string());
  EXPECT_NE(text.find("[ESERCITAZIONE] Esondazione Seveso"), std::string::npos) << text;
  EXPECT_NE(text.find("nessun pericolo reale"), std::string::npos) << text;

  // An Actual alert without channels goes to the public channel only.
  const auto real = post_and_wait(alert(), {"sent"});
  ASSERT_FALSE(real.empty());
  EXPECT_EQ(real.at("total_deliveries").as_int64(), 2);  // the two public chats
  for (const auto& d : real.at("deliveries").as_array()) {
    EXPECT_EQ(d.at("channel").as_string(), "telegram-main");
    EXPECT_EQ(std::string(d.at("rendered_text").as_string()).find("ESERCITAZIONE"),
              std::string::npos);
  }
}

TEST_F(SafeSendingE2E, ADrillNamingAPublicChannelIsRefusedAndNothingIsWritten) {
  start_daemon(drill_channel(emulator_url_));
  const auto r = post_alert(alert(R"("status":"Test","channels":["telegram-main"])"));
  EXPECT_EQ(r.status, 422) << r.body;
  const auto doc = boost::json::parse(r.body);
  const auto& error = doc.at("errors").at(0);
  EXPECT_EQ(error.at("pointer").as_string(), "/channels/0");
  const std::string detail(error.at("detail").as_string());
  EXPECT_NE(detail.find("is public: it takes only Actual alerts"), std::string::npos) << detail;
  EXPECT_NE(detail.find("those that do: telegram-drill"), std::string::npos) << detail;
  // A Restricted alert without a restriction, and an unknown status, name their field.
  EXPECT_NE(post_alert(alert(R"("scope":"Restricted")")).body.find("/restriction"),
            std::string::npos);
  const auto bad = post_alert(alert(R"("status":"Real")"));
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("/status"), std::string::npos) << bad.body;
  // A Restricted alert with no channel configured for its scope.
  const auto restricted =
      post_alert(alert(R"("scope":"Restricted","restriction":"Sindaci della provincia")"));
  EXPECT_EQ(restricted.status, 422);
  EXPECT_NE(restricted.body.find("no enabled channel takes Actual alerts of scope Restricted"),
            std::string::npos)
      << restricted.body;
  EXPECT_EQ(db_->count("alerts"), 0);
  EXPECT_TRUE(emulator_messages("telegram").empty());
}

TEST_F(SafeSendingE2E, ADraftIsStoredAndNeverSent) {
  start_daemon(drill_channel(emulator_url_));
  const auto r = post_alert(alert(R"("status":"Draft")"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  const auto doc = get_alert(id);
  EXPECT_EQ(doc.at("state").as_string(), "draft");
  EXPECT_EQ(doc.at("total_deliveries").as_int64(), 0);
  EXPECT_EQ(doc.at("alert").at("status").as_string(), "Draft");
  EXPECT_EQ(db_->count("deliveries"), 0);
  EXPECT_EQ(db_->scalar("SELECT status FROM alerts WHERE id = '" + id + "'"), "Draft");
  EXPECT_TRUE(emulator_messages("telegram").empty());
}

// The two-person rule: Extreme alerts wait for a second operator.
class ApprovalE2E : public DaemonTest {
 protected:
  std::string alert_settings() const override {
    return "approval: {severities: [Extreme], timeout_seconds: " + std::to_string(timeout_s()) +
           "}";
  }
  virtual int timeout_s() const { return 3600; }

  HttpResult call(const std::string& key, const std::string& path, const std::string& body = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + key}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return http_request("POST", daemon_url_ + path, headers, body);
  }
  std::string post_held(const std::string& extra = "") {
    const auto r = post_alert(alert(extra, "Extreme"));
    EXPECT_EQ(r.status, 202) << r.body;
    const auto doc = boost::json::parse(r.body);
    EXPECT_EQ(doc.at("state").as_string(), "awaiting_approval") << r.body;
    return std::string(doc.at("id").as_string());
  }
  long long audit_events(const std::string& kind, const std::string& actor) {
    return std::stoll(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = '" + kind +
                                  "' AND actor = '" + actor + "'"));
  }
};

TEST_F(ApprovalE2E, AnExtremeAlertWaitsForASecondOperatorThenGoesOut) {
  start_daemon();
  const auto second = create_key("e2e-second", "operator");
  const auto id = post_held();
  // Nothing of it is claimed: a Severe alert posted after it is sent, and it is not.
  ASSERT_FALSE(post_and_wait(alert(), {"sent"}).empty());
  EXPECT_EQ(emulator_messages().size(), 2u);
  auto held = get_alert(id);
  EXPECT_EQ(held.at("state").as_string(), "awaiting_approval");
  EXPECT_EQ(held.at("summary").at("pending").as_int64(), 2);
  EXPECT_EQ(held.at("approval").at("state").as_string(), "awaiting");

  // The author cannot approve it.
  const auto own = call(api_key_, "/v1/alerts/" + id + "/approve");
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_NE(own.body.find("approval-by-author"), std::string::npos);

  const auto ok = call(second, "/v1/alerts/" + id + "/approve");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(boost::json::parse(ok.body).at("released").as_int64(), 2);
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }));
  EXPECT_EQ(emulator_messages().size(), 4u);
  const auto approved = get_alert(id);
  EXPECT_EQ(approved.at("approval").at("decided_by").as_string(), "e2e-second");
  // Both identities are in the audit log: who sent it, who approved it.
  EXPECT_EQ(audit_events("alert.accepted", "e2e"), 2);
  EXPECT_EQ(audit_events("alert.approved", "e2e-second"), 1);
  EXPECT_NE(db_->scalar("SELECT detail::text FROM audit_events WHERE kind = 'alert.accepted'"
                        " AND alert_id = '" +
                        id + "'")
                .find("\"approval\": \"awaiting\""),
            std::string::npos);
  // Decided once.
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/approve").status, 409);
}

TEST_F(ApprovalE2E, ARejectionSaysWhyAndNothingIsSent) {
  start_daemon();
  const auto second = create_key("e2e-second", "operator");
  const auto id = post_held();
  // A reason is required, and only a reason.
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/reject", R"({"reason":"  "})").status, 422);
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/reject", R"({"reason":"x","y":1})").status, 422);
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/reject").status, 415);

  // araldoctl, as the second operator: the typo is caught before anything goes out.
  const auto key_file = (dir_ / "second.key").string();
  std::ofstream(key_file) << second << "\n";
  chmod(key_file.c_str(), 0600);
  ChildProcess ctl(ARALDOCTL_PATH, {"reject", id, "--reason", "Wrong area: Niguarda, not Affori"},
                   {{"ARALDO_SERVER", daemon_url_}, {"ARALDO_KEY_FILE", key_file}});
  ASSERT_EQ(ctl.wait(seconds(60)), 0) << ctl.output();
  EXPECT_NE(ctl.output().find("rejected: 2 delivery(ies) will not be sent"), std::string::npos)
      << ctl.output();
  const auto doc = get_alert(id);
  EXPECT_EQ(doc.at("state").as_string(), "rejected");
  EXPECT_EQ(doc.at("summary").at("cancelled").as_int64(), 2);
  EXPECT_EQ(doc.at("approval").at("reason").as_string(), "Wrong area: Niguarda, not Affori");
  EXPECT_EQ(audit_events("alert.rejected", "e2e-second"), 1);
  EXPECT_EQ(call(second, "/v1/alerts/" + id + "/approve").status, 409);
  EXPECT_TRUE(emulator_messages().empty());
}

class ApprovalExpiryE2E : public ApprovalE2E {
 protected:
  int timeout_s() const override { return 5; }
};

TEST_F(ApprovalExpiryE2E, AnUnansweredRequestExpiresWithNothingSent) {
  start_daemon();
  const auto second = create_key("e2e-second", "operator");
  const auto id = post_held();
  ASSERT_TRUE(
      wait_until([&] { return get_alert(id).at("state") == "approval_expired"; }, seconds(60)))
      << boost::json::serialize(get_alert(id)) << "\n"
      << db_->scalar("SELECT approval || ' ' || approval_expires_at || ' ' || now() FROM alerts")
      << daemon_->output();
  const auto doc = get_alert(id);
  EXPECT_EQ(doc.at("summary").at("expired").as_int64(), 2);
  EXPECT_EQ(audit_events("alert.approval_expired", "system"), 1);
  const auto late = call(second, "/v1/alerts/" + id + "/approve");
  EXPECT_EQ(late.status, 409);
  EXPECT_NE(late.body.find("already expired"), std::string::npos) << late.body;
  EXPECT_TRUE(emulator_messages().empty());
}

// Cancel and update reach what was already published, on every platform.
class CorrectionsE2E : public DaemonTest {
 protected:
  std::vector<std::string> extra_emulator_args() const override {
    return {"--telegram-chat", "-1005005", "--telegram-undeletable-chat", "-1005005"};
  }
  HttpResult call(const std::string& path, const std::string& body = "") {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + api_key_}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return http_request("POST", daemon_url_ + path, headers, body);
  }
  // POST /v1/alerts/{id}/cancel, then waits until its follow-ups are all final.
  boost::json::object cancel(const std::string& id) {
    const auto r = call("/v1/alerts/" + id + "/cancel");
    EXPECT_EQ(r.status, 200) << r.body;
    auto doc = boost::json::parse(r.body).as_object();
    const std::string cancel_id(doc.at("cancel_id").as_string());
    EXPECT_TRUE(wait_until([&] {
      return all_in(get_alert(cancel_id), {"sent", "failed"});
    })) << boost::json::serialize(get_alert(cancel_id));
    doc["cancel_alert"] = get_alert(cancel_id);
    return doc;
  }
  // Until one delivery of the alert is sent while another is still being sent.
  ::testing::AssertionResult one_sent_one_in_flight(const std::string& id) {
    boost::json::object status;
    if (wait_until([&] {
          status = get_alert(id);
          const auto& s = status.at("summary").as_object();
          return s.contains("sent") && s.contains("sending");
        })) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << boost::json::serialize(status);
  }
  std::vector<boost::json::object> records(const std::string& platform, const std::string& method) {
    std::vector<boost::json::object> out;
    for (const auto& m : emulator_messages(platform)) {
      const auto* v = m.as_object().if_contains("method");
      if (v && v->as_string() == method) out.push_back(m.as_object());
    }
    return out;
  }
  std::string platform_id(const boost::json::object& alert, const std::string& channel,
                          const std::string& target = "") {
    for (const auto& d : alert.at("deliveries").as_array()) {
      if (d.at("channel").as_string() == channel &&
          (target.empty() || d.at("target").as_string() == target)) {
        return std::string(d.at("platform_message_id").as_string());
      }
    }
    return "";
  }
};

TEST_F(CorrectionsE2E, ACancelEditsTelegramAndFacebookAndAnswersOnXAndWhatsApp) {
  start_daemon(x_channel(emulator_url_) + facebook_channel(emulator_url_) +
               whatsapp_channel(emulator_url_));
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(2)).status, 200);
  const auto original = post_and_wait(alert(), {"sent"});
  ASSERT_FALSE(original.empty());
  const std::string id(original.at("id").as_string());

  const auto done = cancel(id);
  EXPECT_EQ(done.at("cancelled").as_int64(), 0);  // everything had gone out
  EXPECT_EQ(done.at("follow_ups").as_int64(), 2 + 1 + 1 + 2);
  const auto& cancel_alert = done.at("cancel_alert").as_object();
  EXPECT_EQ(cancel_alert.at("summary").at("sent").as_int64(), 6)
      << boost::json::serialize(cancel_alert);
  EXPECT_EQ(cancel_alert.at("alert").at("msg_type").as_string(), "Cancel");
  EXPECT_EQ(cancel_alert.at("alert").at("references").at(0).as_string(), id);

  // Telegram: both messages edited in place to say so.
  const auto edits = records("telegram", "editMessageText");
  ASSERT_EQ(edits.size(), 2u);
  for (const auto& e : edits) {
    const std::string text(e.at("plain_text").as_string());
    EXPECT_TRUE(text.starts_with("🟠 ALLERTA ARANCIONE · REVOCATO: Esondazione Seveso")) << text;
    EXPECT_EQ(std::to_string(e.at("message_id").as_int64()),
              platform_id(original, "telegram-main", std::string(e.at("chat_id").as_string())));
  }
  // Facebook: the post edited.
  const auto fb = records("facebook", "POST");
  ASSERT_EQ(fb.size(), 2u);  // the post, then its edit
  EXPECT_EQ(fb[1].at("id").as_string(), platform_id(original, "facebook-comune"));
  EXPECT_NE(std::string(fb[1].at("message").as_string()).find("REVOCATO"), std::string::npos);
  // X: a reply to the post.
  const auto posts = records("x", "POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].at("in_reply_to_tweet_id").as_string(), platform_id(original, "x-comune"));
  EXPECT_TRUE(std::string(posts[1].at("text").as_string()).find("REVOCATO") != std::string::npos);
  // WhatsApp cannot recall a message: each subscriber gets the notice.
  const auto wa = emulator_messages("whatsapp");
  ASSERT_EQ(wa.size(), 4u);
  for (std::size_t k = 2; k < 4; ++k) {
    EXPECT_TRUE(std::string(wa[k].at("parameters").at(0).as_string())
                    .starts_with("🟠 ALLERTA ARANCIONE · REVOCATO:"))
        << boost::json::serialize(wa[k]);
  }
  // The operator's cancel is audited even though nothing was left to stop.
  EXPECT_EQ(db_->scalar("SELECT detail->>'stopped' FROM audit_events WHERE kind = "
                        "'alert.cancelled' AND alert_id = '" +
                        id + "' AND actor = 'e2e'"),
            "0");
}

TEST_F(CorrectionsE2E, ACancelEditsEveryPartOfALongTelegramMessage) {
  start_daemon();
  std::string description, instruction;
  while (description.size() < 3900)
    description += "acqua" + std::to_string(description.size()) + " ";
  while (instruction.size() < 900)
    instruction += "salire" + std::to_string(instruction.size()) + " ";
  const auto original =
      post_and_wait(alert(R"("description":")" + description + R"(","instruction":")" +
                          instruction + R"(","channels":["telegram-main"])"),
                    {"sent"});
  ASSERT_FALSE(original.empty());
  const auto parts = original.at("deliveries").as_array().size() / 2;  // two chats
  ASSERT_GE(parts, 2u);

  const auto done = cancel(std::string(original.at("id").as_string()));
  SCOPED_TRACE(boost::json::serialize(done.at("cancel_alert").at("summary")));
  // Every post of every chat now says the alert is cancelled: none is left saying it.
  const auto edits = records("telegram", "editMessageText");
  ASSERT_EQ(edits.size(), 2 * parts);
  std::set<std::pair<std::string, long long>> edited;
  for (const auto& e : edits) {
    edited.insert({std::string(e.at("chat_id").as_string()), e.at("message_id").as_int64()});
  }
  for (const auto& d : original.at("deliveries").as_array()) {
    const std::pair<std::string, long long> post{
        std::string(d.at("target").as_string()),
        std::stoll(std::string(d.at("platform_message_id").as_string()))};
    EXPECT_TRUE(edited.contains(post)) << post.first << " " << post.second;
  }
  // The first part of each chat's message starts with the notice.
  int starts = 0;
  for (const auto& e : edits) {
    starts += std::string(e.at("plain_text").as_string())
                  .starts_with("🟠 ALLERTA ARANCIONE · REVOCATO");
  }
  EXPECT_EQ(starts, 2);
}

// A send in flight when the alert is cancelled: once its outcome is recorded, a post
// that went out gets its correction, and one that failed is not tried again.
TEST_F(CorrectionsE2E, ACancelReachesAPostWhoseSendWasInFlight) {
  start_daemon();
  // The first message is published but answered 4 s late; the second is answered at once.
  emulator_fault(R"({"platform":"telegram","latency_ms":4000,"count":1})");
  const auto r = post_alert(alert(R"("channels":["telegram-main"])"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  ASSERT_TRUE(one_sent_one_in_flight(id));

  const auto done = cancel(id);  // waits for every correction to be final
  const auto original = get_alert(id);
  ASSERT_TRUE(all_in(original, {"sent"})) << boost::json::serialize(original);
  std::set<std::pair<std::string, long long>> edited;
  for (const auto& e : records("telegram", "editMessageText")) {
    edited.insert({std::string(e.at("chat_id").as_string()), e.at("message_id").as_int64()});
  }
  ASSERT_EQ(edited.size(), 2u) << boost::json::serialize(done);
  for (const auto& d : original.at("deliveries").as_array()) {
    EXPECT_TRUE(
        edited.contains({std::string(d.at("target").as_string()),
                         std::stoll(std::string(d.at("platform_message_id").as_string()))}));
  }
}

TEST_F(CorrectionsE2E, ASendInFlightThatFailsAfterTheCancelIsNotTriedAgain) {
  start_daemon();
  // The first message fails (HTTP 500: worth another try) 4 s after the cancel began.
  emulator_fault(R"({"platform":"telegram","status":500,"latency_ms":4000,"count":1})");
  const auto r = post_alert(alert(R"("channels":["telegram-main"])"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  ASSERT_TRUE(one_sent_one_in_flight(id));

  const auto answer = call("/v1/alerts/" + id + "/cancel");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto done = boost::json::parse(answer.body).as_object();
  boost::json::object original;
  ASSERT_TRUE(wait_until([&] {
    return all_in(original = get_alert(id), {"sent", "cancelled"});
  })) << boost::json::serialize(original);
  int cancelled = 0;
  for (const auto& d : original.at("deliveries").as_array()) {
    if (d.at("state").as_string() != "cancelled") continue;
    ++cancelled;
    EXPECT_EQ(d.at("attempts").as_int64(), 1);  // never tried again
    EXPECT_NE(std::string(d.at("last_error").as_string()).find("cancelled while this attempt"),
              std::string::npos);
  }
  EXPECT_EQ(cancelled, 1);
  // The post that went out is corrected; the one that never did has nothing to correct.
  EXPECT_EQ(records("telegram", "editMessageText").size(), 1u);
  EXPECT_EQ(records("telegram", "sendMessage").size(), 1u);
  ASSERT_TRUE(wait_until([&] {
    return all_in(get_alert(std::string(done.at("cancel_id").as_string())), {"sent", "cancelled"});
  }));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE state = 'cancelled'"
                        " AND last_error = 'not sent: the post it corrects was never published'"),
            "1");
}

TEST_F(CorrectionsE2E, ACancelRemovesPostsAndFallsBackToANoticeWhereRemovalIsRefused) {
  start_daemon("  telegram-remove:\n    type: telegram\n    base_url: " + emulator_url_ +
               "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['-1004001', '-1005005']\n"
               "    on_cancel: remove\n" +
               x_channel(emulator_url_, "    on_cancel: remove\n") +
               facebook_channel(emulator_url_, "    on_cancel: remove\n"));
  const auto original = post_and_wait(
      alert(R"("channels":["telegram-remove","x-comune","facebook-comune"])"), {"sent"});
  ASSERT_FALSE(original.empty());
  const std::string id(original.at("id").as_string());
  const auto done = cancel(id);
  const auto& cancel_alert = done.at("cancel_alert").as_object();
  EXPECT_EQ(cancel_alert.at("summary").at("sent").as_int64(), 4)
      << boost::json::serialize(cancel_alert);

  const auto deleted = records("telegram", "deleteMessage");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].at("chat_id").as_string(), "-1004001");
  // The other chat refused the deletion: the notice answered the message instead.
  const auto sent = records("telegram", "sendMessage");
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].at("chat_id").as_string(), "-1005005");
  EXPECT_EQ(std::to_string(sent[2].at("reply_to_message_id").as_int64()),
            platform_id(original, "telegram-remove", "-1005005"));
  EXPECT_NE(std::string(sent[2].at("plain_text").as_string()).find("REVOCATO"), std::string::npos);
  EXPECT_EQ(std::stoll(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = "
                                   "'delivery.fell_back'")),
            1);
  // X and Facebook: the posts deleted.
  const auto x_deleted = records("x", "DELETE");
  ASSERT_EQ(x_deleted.size(), 1u);
  EXPECT_EQ(x_deleted[0].at("id").as_string(), platform_id(original, "x-comune"));
  const auto fb_deleted = records("facebook", "DELETE");
  ASSERT_EQ(fb_deleted.size(), 1u);
  EXPECT_EQ(fb_deleted[0].at("id").as_string(), platform_id(original, "facebook-comune"));
}

TEST_F(CorrectionsE2E, AnUpdateAnswersThePublishedPostsAndSupersedesWhatWasNotSent) {
  start_daemon(x_channel(emulator_url_));
  const auto original = post_and_wait(alert(), {"sent"});
  ASSERT_FALSE(original.empty());
  const std::string id(original.at("id").as_string());
  const auto r =
      call("/v1/alerts/" + id + "/update",
           alert(R"("description":"Il livello scende: riaperti i sottopassi.")", "Moderate"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string update_id(boost::json::parse(r.body).at("id").as_string());
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(update_id), {"sent"}); }));
  // Telegram: each chat gets the update as a reply to the message it had.
  const auto sent = records("telegram", "sendMessage");
  ASSERT_EQ(sent.size(), 4u);
  for (std::size_t k = 2; k < 4; ++k) {
    EXPECT_EQ(
        std::to_string(sent[k].at("reply_to_message_id").as_int64()),
        platform_id(original, "telegram-main", std::string(sent[k].at("chat_id").as_string())));
    EXPECT_TRUE(std::string(sent[k].at("plain_text").as_string())
                    .starts_with("🟡 ALLERTA GIALLA · AGGIORNAMENTO:"))
        << sent[k].at("plain_text");
  }
  // X: the update answers the post.
  const auto posts = records("x", "POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].at("in_reply_to_tweet_id").as_string(), platform_id(original, "x-comune"));
  EXPECT_EQ(get_alert(update_id).at("alert").at("references").at(0).as_string(), id);

  // A notice not sent yet is superseded by its update: never sent after it.
  const auto later = post_alert(alert(R"("send_at":"2099-01-01T00:00:00+01:00")"));
  EXPECT_EQ(later.status, 422) << "send_at is at most 366 days ahead";
  const auto scheduled =
      post_alert(alert(R"("send_at":")" +
                       std::string(db_->scalar("SELECT to_char((now() + interval '2 hours') AT "
                                               "TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')")) +
                       R"(-00:00")"));
  ASSERT_EQ(scheduled.status, 202) << scheduled.body;
  const std::string scheduled_id(boost::json::parse(scheduled.body).at("id").as_string());
  const auto u2 = call("/v1/alerts/" + scheduled_id + "/update", alert());
  ASSERT_EQ(u2.status, 202) << u2.body;
  const auto superseded = get_alert(scheduled_id);
  EXPECT_EQ(superseded.at("summary").at("cancelled").as_int64(), 3);
  EXPECT_NE(std::string(superseded.at("deliveries").at(0).at("last_error").as_string())
                .find("superseded"),
            std::string::npos);
  EXPECT_EQ(call("/v1/alerts/00000000-0000-4000-8000-000000000000/update", alert()).status, 404);
  EXPECT_EQ(call("/v1/alerts/00000000-0000-4000-8000-000000000000/cancel").status, 404);
}

// The public archive and CAP 1.2 out: a citizen checks a post is genuine, another
// alerting system reads the CAP document; nothing internal leaks.
class ArchiveE2E : public CorrectionsE2E {
 protected:
  HttpResult get_public(const std::string& path, std::map<std::string, std::string> headers = {}) {
    return http_request("GET", daemon_url_ + path, headers, "");
  }
};

TEST_F(ArchiveE2E, PublicAlertsAreInTheFeedAsCapAndAsAPageThatSaysWhenCancelled) {
  start_daemon(drill_channel(emulator_url_));
  const auto real =
      post_and_wait(alert(R"("description":"Acqua <alta> & fango","area":"Niguarda",)"
                          R"("translations":[{"language":"en","headline":"Seveso flooding"}])"),
                    {"sent"});
  ASSERT_FALSE(real.empty());
  const std::string id(real.at("id").as_string());
  ASSERT_FALSE(post_and_wait(alert(R"("status":"Exercise")"), {"sent"}).empty());

  // The feed: the public alert only, linking its CAP document; no key needed.
  const auto feed = get_public("/public/alerts.atom");
  ASSERT_EQ(feed.status, 200) << feed.body << feed.error;
  EXPECT_NE(feed.body.find("<feed xmlns=\"http://www.w3.org/2005/Atom\""), std::string::npos);
  EXPECT_NE(feed.body.find("/public/alerts/" + id + ".cap"), std::string::npos) << feed.body;
  EXPECT_EQ(feed.body.find("ESERCITAZIONE"), std::string::npos);
  EXPECT_EQ(feed.body.find("Exercise"), std::string::npos) << "a drill is not public";
  // Conditional requests.
  const auto header = [](const HttpResult& r, const char* name) {
    return std::string(r.headers.find(name).value_or(""));
  };
  const auto etag = header(feed, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(get_public("/public/alerts.atom", {{"If-None-Match", etag}}).status, 304);
  EXPECT_NE(header(feed, "Cache-Control").find("max-age"), std::string::npos);

  // CAP 1.2: identifier, sender, sent with an offset, one <info> per language, in order.
  const auto cap = get_public("/public/alerts/" + id + ".cap");
  ASSERT_EQ(cap.status, 200);
  EXPECT_EQ(header(cap, "Content-Type"), "application/cap+xml");
  for (const auto* piece :
       {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">", "<status>Actual</status>",
        "<msgType>Alert</msgType>", "<scope>Public</scope>", "<language>it</language>",
        "<language>en</language>", "<headline>Seveso flooding</headline>",
        "<description>Acqua &lt;alta&gt; &amp; fango</description>", "<areaDesc>Niguarda"}) {
    EXPECT_NE(cap.body.find(piece), std::string::npos) << piece << "\n" << cap.body;
  }
  EXPECT_NE(cap.body.find("<identifier>" + id + "</identifier>"), std::string::npos);
  EXPECT_LT(cap.body.find("<sent>"), cap.body.find("<status>"));
  EXPECT_LT(cap.body.find("<status>"), cap.body.find("<msgType>"));
  EXPECT_LT(cap.body.find("<msgType>"), cap.body.find("<scope>"));
  EXPECT_NE(cap.body.find("-00:00</sent>"), std::string::npos) << "never Z";
  // The same document for an authenticated reader asking for CAP.
  const auto via_api = http_request(
      "GET", daemon_url_ + "/v1/alerts/" + id,
      {{"Authorization", "Bearer " + api_key_}, {"Accept", "application/cap+xml"}}, "");
  EXPECT_EQ(via_api.body, cap.body);

  // The page: escaped text, no targets, no chat ids.
  const auto page = get_public("/public/alerts/" + id);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Acqua &lt;alta&gt; &amp; fango"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("-1001234567890"), std::string::npos);
  EXPECT_EQ(page.body.find("REVOCATO"), std::string::npos);

  // Cancelled: the page, the feed and the Cancel message say so.
  cancel(id);
  const auto after = get_public("/public/alerts/" + id);
  EXPECT_NE(after.body.find("REVOCATO / CANCELLED"), std::string::npos) << after.body;
  EXPECT_NE(header(after, "ETag"), header(page, "ETag"));
  const auto feed2 = get_public("/public/alerts.atom", {{"If-None-Match", etag}});
  ASSERT_EQ(feed2.status, 200);
  EXPECT_NE(feed2.body.find("[REVOCATO]"), std::string::npos);
  EXPECT_NE(feed2.body.find("<cap:msgType>Cancel</cap:msgType>"), std::string::npos);

  // The drill's page and unknown ids are not found; a malformed id is a 400.
  const std::string drill_id(
      db_->scalar("SELECT id FROM alerts WHERE status = 'Exercise' LIMIT 1"));
  EXPECT_EQ(get_public("/public/alerts/" + drill_id).status, 404);
  EXPECT_EQ(get_public("/public/alerts/00000000-0000-4000-8000-000000000000.cap").status, 404);
  EXPECT_EQ(get_public("/public/alerts/not-an-id").status, 400);
}

// CAP 1.2 in: another alerting system posts an Alert, then an Update and a Cancel of it.
TEST_F(ArchiveE2E, CapDocumentsAreAcceptedAndTheirUpdatesAndCancelsActOnWhatWasSent) {
  start_daemon();
  auto post_cap = [&](const std::string& xml) {
    return http_request("POST", daemon_url_ + "/v1/alerts",
                        {{"Authorization", "Bearer " + api_key_},
                         {"Content-Type", "application/cap+xml; charset=utf-8"}},
                        xml);
  };
  auto document = [](const std::string& msg_type, const std::string& references,
                     const std::string& headline) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
           "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
           "<identifier>CAP-" +
           msg_type +
           "</identifier><sender>pc@comune.example</sender>"
           "<sent>2026-03-14T06:30:00+01:00</sent><status>Actual</status><msgType>" +
           msg_type + "</msgType><scope>Public</scope>" +
           (references.empty() ? "" : "<references>" + references + "</references>") +
           "<info><language>it</language><category>Met</category><event>Flood</event>"
           "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
           "<headline>" +
           headline +
           "</headline><area><areaDesc>Niguarda</areaDesc></area></info>"
           "<info><language>en</language><category>Met</category><event>Flood</event>"
           "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
           "<headline>Seveso flooding</headline></info></alert>";
  };
  const auto r = post_cap(document("Alert", "", "Esondazione Seveso"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }));
  const auto original = get_alert(id);
  EXPECT_EQ(original.at("alert").at("translations").at(0).at("headline"), "Seveso flooding");
  EXPECT_EQ(original.at("alert").at("area"), "Niguarda");

  const std::string ref = "pc@comune.example," + id + ",2026-03-14T06:30:00+01:00";
  const auto u = post_cap(document("Update", ref, "Esondazione Seveso: livello in calo"));
  ASSERT_EQ(u.status, 202) << u.body;
  const std::string update_id(boost::json::parse(u.body).at("id").as_string());
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(update_id), {"sent"}); }));
  const auto sent = records("telegram", "sendMessage");
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_TRUE(sent[3].contains("reply_to_message_id"));

  const auto c = post_cap(document("Cancel", ref, "Esondazione Seveso"));
  ASSERT_EQ(c.status, 200) << c.body;
  const auto cancelled = boost::json::parse(c.body).at("cancelled").at(0);
  EXPECT_EQ(cancelled.at("follow_ups").as_int64(), 2);
  const std::string cancel_id(cancelled.at("cancel_id").as_string());
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(cancel_id), {"sent"}); }));
  EXPECT_EQ(records("telegram", "editMessageText").size(), 2u);

  // Unknown references, hostile and wrong documents: refused, saying where, nothing written.
  const auto alerts_before = db_->count("alerts");
  const auto unknown = post_cap(
      document("Update", "pc@comune.example,TRI13970876.1,2026-03-14T06:30:00+01:00", "x"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("/alert/references"), std::string::npos) << unknown.body;
  const auto dtd = post_cap(
      "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY x SYSTEM "
      "\"file:///etc/passwd\">]><alert/>");
  EXPECT_EQ(dtd.status, 422);
  EXPECT_NE(dtd.body.find("DOCTYPE is refused"), std::string::npos) << dtd.body;
  auto out_of_order = document("Alert", "", "x");
  out_of_order.replace(out_of_order.find("<scope>Public</scope>"), 21, "");
  out_of_order.replace(out_of_order.find("<status>"), 0, "<scope>Public</scope>");
  const auto order = post_cap(out_of_order);
  EXPECT_EQ(order.status, 422);
  EXPECT_NE(order.body.find("out of order"), std::string::npos) << order.body;
  EXPECT_EQ(db_->count("alerts"), alerts_before);
}
