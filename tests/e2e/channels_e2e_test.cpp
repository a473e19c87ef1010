// araldod with all four platforms of the emulator: fan-out, long alerts in order, a
// WhatsApp broadcast at the platform's rate, and a revoked token stopping one channel.
#include <signal.h>

#include <algorithm>
#include <set>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

const std::string kAlert =
    R"({"headline":"Allerta rossa: esondazione Seveso","event":"Flood","category":"Met",)"
    R"("severity":"Extreme","urgency":"Immediate","certainty":"Observed",)"
    R"("area":"Milano Niguarda","instruction":"Salire ai piani alti.",)"
    R"("translations":[{"language":"en","headline":"Red alert: Seveso flooding",)"
    R"("instruction":"Go to the upper floors."}])";

std::string alert(const std::string& extra) {
  return kAlert + (extra.empty() ? "" : "," + extra) + "}";
}

std::string text_of(const boost::json::value& m, const char* key) {
  return std::string(m.at(key).as_string());
}

}  // namespace

class ChannelsE2E : public DaemonTest {};

TEST_F(ChannelsE2E, OneAlertReachesAllFourPlatformsEachInItsLanguage) {
  start_daemon(x_channel(emulator_url_) + facebook_channel(emulator_url_) +
               whatsapp_channel(emulator_url_));
  const auto imported = import_subscribers("whatsapp-comune", subscribers_csv(3));
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(boost::json::parse(imported.body).at("added").as_int64(), 3);

  const auto status = post_and_wait(alert(""), {"sent"});
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.at("summary").at("sent").as_int64(), 2 + 1 + 1 + 3);

  EXPECT_EQ(emulator_messages("telegram").size(), 2u);
  const auto posts = emulator_messages("x");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_NE(text_of(posts[0], "text").find("Allerta rossa: esondazione Seveso"), std::string::npos);
  const auto page = emulator_messages("facebook");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_NE(text_of(page[0], "message").find("Cosa fare: Salire ai piani alti."),
            std::string::npos);
  // Subscriber 0 asked for English: the English template and text.
  const auto wa = emulator_messages("whatsapp");
  ASSERT_EQ(wa.size(), 3u);
  for (const auto& m : wa) {
    const bool english = text_of(m, "to") == "393331000000";
    EXPECT_EQ(text_of(m, "language"), english ? "en_US" : "it");
    EXPECT_EQ(m.at("parameters").at(0).as_string(),
              english ? "🔴 RED ALERT · Red alert: Seveso flooding"
                      : "🔴 ALLERTA ROSSA · Allerta rossa: esondazione Seveso");
  }
  // What went out is what the log shows.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE platform_id IS NULL"), "0");
}

TEST_F(ChannelsE2E, LongAlertBecomesAnOrderedXThreadAndOrderedTelegramParts) {
  start_daemon(x_channel(emulator_url_, "    rate_limit: {per_minute: 600, burst: 30}\n"));
  std::string description;
  for (int p = 0; p < 8; ++p) {
    description += "Paragrafo " + std::to_string(p) + ": ";
    for (int w = 0; w < 60; ++w) description += "acqua" + std::to_string(w) + " ";
    description += "\\n\\n";
  }
  const auto status = post_and_wait(
      alert(R"("description":")" + description + R"(","channels":["telegram-main","x-comune"])"),
      {"sent"});
  ASSERT_FALSE(status.empty()) << daemon_->output();

  auto posts = emulator_messages("x");
  ASSERT_GE(posts.size(), 4u);
  const auto n = posts.size();
  for (std::size_t k = 0; k < n; ++k) {
    const auto text = text_of(posts[k], "text");
    EXPECT_TRUE(text.ends_with("(" + std::to_string(k + 1) + "/" + std::to_string(n) + ")"))
        << text;
    if (k == 0) {
      EXPECT_FALSE(posts[k].as_object().contains("in_reply_to_tweet_id"));
    } else {
      EXPECT_EQ(text_of(posts[k], "in_reply_to_tweet_id"), text_of(posts[k - 1], "id"));
    }
  }
  // Telegram: 4,000 characters fit one message; per chat, parts arrive in order.
  std::map<std::string, std::vector<std::string>> by_chat;
  for (const auto& m : emulator_messages("telegram")) {
    by_chat[text_of(m, "chat_id")].push_back(text_of(m, "plain_text"));
  }
  ASSERT_EQ(by_chat.size(), 2u);
  for (const auto& [chat, texts] : by_chat) {
    for (std::size_t k = 0; k < texts.size(); ++k) {
      if (texts.size() > 1) {
        EXPECT_TRUE(texts[k].ends_with("(" + std::to_string(k + 1) + "/" +
                                       std::to_string(texts.size()) + ")"));
      }
    }
  }
}

TEST_F(ChannelsE2E, AFailedPartWithholdsTheRestOfTheThread) {
  start_daemon(x_channel(emulator_url_, "    rate_limit: {per_minute: 600, burst: 30}\n"));
  // The second post is refused for good: the later ones must never be posted.
  emulator_fault(R"({"platform":"x","status":400,"count":1,"skip":1})");
  std::string description;
  for (int w = 0; w < 120; ++w) description += "fango" + std::to_string(w) + " ";
  const auto r =
      post_alert(alert(R"("description":")" + description + R"(","channels":["x-comune"])"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  boost::json::object status;
  ASSERT_TRUE(wait_until([&] {
    return all_in(status = get_alert(id), {"sent", "failed"});
  })) << boost::json::serialize(status);
  const auto& deliveries = status.at("deliveries").as_array();
  ASSERT_GE(deliveries.size(), 3u);
  EXPECT_EQ(deliveries[0].at("state").as_string(), "sent");
  EXPECT_EQ(deliveries[1].at("state").as_string(), "failed");
  for (std::size_t k = 2; k < deliveries.size(); ++k) {
    EXPECT_EQ(deliveries[k].at("state").as_string(), "failed");
    EXPECT_EQ(deliveries[k].at("attempts").as_int64(), 0);
    EXPECT_NE(std::string(deliveries[k].at("last_error").as_string()).find("out of order"),
              std::string::npos);
  }
  EXPECT_EQ(emulator_messages("x").size(), 1u);
}

TEST_F(ChannelsE2E, AGroupThatBecameASupergroupGetsTheAlertAtItsNewId) {
  start_daemon("  telegram-group:\n    type: telegram\n    base_url: " + emulator_url_ +
               "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['-4001']\n");
  const auto status = post_and_wait(alert(R"("channels":["telegram-group"])"), {"sent"});
  ASSERT_FALSE(status.empty());
  const auto& d = status.at("deliveries").at(0);
  EXPECT_EQ(d.at("target").as_string(), "-1004001");
  EXPECT_EQ(d.at("attempts").as_int64(), 2);
  const auto messages = emulator_messages("telegram");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(text_of(messages[0], "chat_id"), "-1004001");
  EXPECT_EQ(db_->scalar("SELECT detail->>'from' || '->' || (detail->>'to') FROM audit_events"
                        " WHERE kind = 'delivery.moved'"),
            "-4001->-1004001");
  EXPECT_NE(daemon_->output().find("update the channel's chats"), std::string::npos);
}

TEST_F(ChannelsE2E, RevokedTokenStopsItsChannelLoudlyWhileTheOthersDeliver) {
  start_daemon(facebook_channel(emulator_url_));
  emulator_revoke("facebook");
  const auto r = post_alert(alert(""));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(boost::json::parse(r.body).at("id").as_string());
  boost::json::object status;
  auto settled = [&] {
    status = get_alert(id);
    if (!status.contains("deliveries")) return false;
    for (const auto& d : status.at("deliveries").as_array()) {
      const auto want = d.at("channel").as_string() == "facebook-comune" ? "retrying" : "sent";
      if (d.at("state").as_string() != want) return false;
    }
    return true;
  };
  ASSERT_TRUE(wait_until(settled)) << boost::json::serialize(status);
  EXPECT_EQ(emulator_messages("telegram").size(), 2u);
  EXPECT_TRUE(emulator_messages("facebook").empty());
  for (const auto& d : status.at("deliveries").as_array()) {
    if (d.at("channel").as_string() != "facebook-comune") continue;
    EXPECT_NE(
        std::string(d.at("last_error").as_string()).find("channel stopped: HTTP 400: (#190/460)"),
        std::string::npos);
    EXPECT_EQ(d.at("attempts").as_int64(), 1);  // not burnt through retries
  }
  const auto ready = http_request("GET", daemon_url_ + "/readyz");
  EXPECT_EQ(ready.status, 200);
  const auto doc = boost::json::parse(ready.body);
  EXPECT_EQ(doc.at("status").as_string(), "degraded");
  EXPECT_EQ(doc.at("channels").at("facebook-comune").at("state").as_string(), "stopped");
  EXPECT_EQ(doc.at("channels").at("telegram-main").at("state").as_string(), "ok");
  EXPECT_NE(daemon_->output().find("event=channel.stopped channel=facebook-comune"),
            std::string::npos);
  EXPECT_EQ(daemon_->output().find("EAAPageToken"), std::string::npos);
}

TEST_F(ChannelsE2E, SubscriberApiAddsRemovesAndRefusesBadInput) {
  start_daemon(whatsapp_channel(emulator_url_));
  const std::string base = daemon_url_ + "/v1/channels/whatsapp-comune/subscribers";
  const std::map<std::string, std::string> json{{"Authorization", "Bearer " + admin_key_},
                                                {"Content-Type", "application/json"}};
  auto added = http_request(
      "POST", base, json,
      R"({"address":"+39 333 7654321","language":"it","consent_at":"2026-11-20T10:00:00+01:00"})");
  EXPECT_EQ(added.status, 201) << added.body;
  auto again = http_request(
      "POST", base, json,
      R"({"address":"393337654321","language":"en","consent_at":"2026-11-21T10:00:00+01:00"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(boost::json::parse(again.body).at("updated").as_int64(), 1);

  const auto bad = import_subscribers("whatsapp-comune",
                                      "address,language,consent_at\n393330000001,it,yesterday\n");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("/line/2"), std::string::npos);
  EXPECT_EQ(import_subscribers("telegram-main", subscribers_csv(1)).status, 409);
  EXPECT_EQ(import_subscribers("nope", subscribers_csv(1)).status, 404);

  auto count = http_request("GET", base, {{"Authorization", "Bearer " + admin_key_}});
  EXPECT_EQ(boost::json::parse(count.body).at("by_language").at("en").as_int64(), 1);
  // The number as a person writes it, '+' percent-encoded as a URL needs.
  auto removed = http_request("DELETE", base + "/%2B393337654321",
                              {{"Authorization", "Bearer " + admin_key_}});
  EXPECT_EQ(removed.status, 204);
  EXPECT_EQ(
      http_request("DELETE", base + "/393337654321", {{"Authorization", "Bearer " + admin_key_}})
          .status,
      404);
  EXPECT_EQ(db_->scalar("SELECT string_agg(kind || ':' || actor, ',' ORDER BY id) FROM audit_events"
                        " WHERE kind LIKE 'subscriber%'"),
            "subscriber.added:e2e-admin,subscriber.added:e2e-admin,subscriber.removed:e2e-admin");
}

// Preview: every channel and language, each part measured the platform's way, every
// problem; nothing written, nothing sent.
TEST_F(ChannelsE2E, PreviewShowsWhatEachPlatformWouldPublishAndSendsNothing) {
  start_daemon(x_channel(emulator_url_) + facebook_channel(emulator_url_) +
               whatsapp_channel(emulator_url_));
  ASSERT_EQ(import_subscribers("whatsapp-comune",
                               subscribers_csv(3) + "393339999999,de,2026-11-01T09:00:00+01:00\n")
                .status,
            200);
  const auto before_alerts = db_->count("alerts");
  auto preview = [&](const std::string& body) {
    return http_request(
        "POST", daemon_url_ + "/v1/alerts/preview",
        {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}}, body);
  };
  const auto r = preview(alert(R"("web":"https://www.comune.milano.it/allerta")"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto doc = boost::json::parse(r.body).as_object();
  EXPECT_TRUE(doc.at("sendable").as_bool()) << r.body;

  std::map<std::string, boost::json::object> by_channel;
  for (const auto& c : doc.at("channels").as_array()) {
    by_channel[text_of(c, "channel")] = c.as_object();
  }
  ASSERT_EQ(by_channel.size(), 4u) << r.body;
  // X: one post, weighed as X weighs it (the URL counts 23).
  const auto& x_part = by_channel["x-comune"].at("renditions").at(0).at("parts").at(0);
  EXPECT_EQ(text_of(x_part, "unit"), "weighted_characters");
  EXPECT_EQ(x_part.at("limit").as_int64(), 280);
  EXPECT_NE(text_of(x_part, "text").find("https://www.comune.milano.it/allerta"),
            std::string::npos);
  EXPECT_LT(x_part.at("length").as_int64(),
            static_cast<std::int64_t>(text_of(x_part, "text").size()));
  // Telegram: two chats in the channel's language, lengths in UTF-16 units.
  const auto& tg = by_channel["telegram-main"].at("renditions").at(0);
  EXPECT_EQ(tg.at("targets").as_int64(), 2);
  EXPECT_EQ(text_of(tg.at("parts").at(0), "unit"), "utf16_units");
  // WhatsApp: one rendition per subscriber language, the template and its parameters.
  std::map<std::string, boost::json::object> wa;
  for (const auto& rd : by_channel["whatsapp-comune"].at("renditions").as_array()) {
    wa[text_of(rd, "language")] = rd.as_object();
  }
  ASSERT_EQ(wa.size(), 3u) << r.body;
  EXPECT_EQ(wa["it"].at("targets").as_int64(), 2);
  EXPECT_EQ(wa["en"].at("targets").as_int64(), 1);
  const auto& en = wa["en"].at("parts").at(0).at("message");
  EXPECT_EQ(text_of(en, "name"), "allerta_comune");
  EXPECT_EQ(text_of(en, "language"), "en_US");
  EXPECT_EQ(en.at("parameters").at(0).as_string(), "🔴 RED ALERT · Red alert: Seveso flooding");
  // The German subscriber: no translation, no approved template; warnings, not errors.
  std::string problems;
  for (const auto& p : doc.at("problems").as_array()) problems += text_of(p, "detail") + "\n";
  EXPECT_NE(problems.find("no translation into 'de' for 1 target(s)"), std::string::npos)
      << problems;
  EXPECT_NE(problems.find("not mapped to an approved language for 'de'"), std::string::npos)
      << problems;

  // An alert that asks for answers: WhatsApp has no template with the buttons here, so
  // its subscribers would get none; a warning for that channel, and for no other.
  const auto asking = preview(alert(R"("acknowledge":true)"));
  ASSERT_EQ(asking.status, 200) << asking.body;
  const auto asking_doc = boost::json::parse(asking.body).as_object();
  EXPECT_TRUE(asking_doc.at("sendable").as_bool()) << asking.body;
  std::set<std::string> without_buttons;
  for (const auto& p : asking_doc.at("problems").as_array()) {
    if (text_of(p, "detail").find("asks for answers") == std::string::npos) continue;
    EXPECT_EQ(text_of(p, "severity"), "warning") << asking.body;
    EXPECT_NE(text_of(p, "detail").find("template.with_answer_buttons"), std::string::npos);
    without_buttons.insert(text_of(p, "channel"));
  }
  EXPECT_EQ(without_buttons, std::set<std::string>{"whatsapp-comune"}) << asking.body;
  EXPECT_EQ(problems.find("asks for answers"), std::string::npos) << problems;

  // Too long for a WhatsApp parameter, which cannot be split: an error for that channel
  // only, and the alert is not sendable as it is.
  std::string huge = "Restare";
  for (int i = 0; i < 200; ++i) huge += " in casa";
  const auto too_long =
      preview(R"({"headline":"Allerta","event":"Flood","category":"Met","severity":"Extreme",)"
              R"("urgency":"Immediate","certainty":"Observed","instruction":")" +
              huge + R"("})");
  ASSERT_EQ(too_long.status, 200) << too_long.body;
  const auto long_doc = boost::json::parse(too_long.body).as_object();
  EXPECT_FALSE(long_doc.at("sendable").as_bool());
  bool wa_error = false;
  for (const auto& p : long_doc.at("problems").as_array()) {
    if (text_of(p, "severity") != "error") continue;
    EXPECT_EQ(text_of(p, "channel"), "whatsapp-comune") << too_long.body;
    wa_error = true;
  }
  EXPECT_TRUE(wa_error) << too_long.body;

  // An expired alert is refused as POST /v1/alerts would refuse it, pointing at it.
  const auto expired = preview(alert(R"("expires":"2020-01-01T00:00:00+01:00")"));
  EXPECT_EQ(expired.status, 422);
  EXPECT_NE(expired.body.find("/expires"), std::string::npos) << expired.body;

  // Nothing was written or sent.
  EXPECT_EQ(db_->count("alerts"), before_alerts);
  EXPECT_EQ(db_->count("deliveries"), 0);
  for (const auto* platform : {"telegram", "x", "facebook", "whatsapp"}) {
    EXPECT_TRUE(emulator_messages(platform).empty()) << platform;
  }
}
