#pragma once
// What the inbound end-to-end tests share: a daemon with citizens' channels, and the
// emulator playing the citizens (WhatsApp messages, Telegram updates).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>

#include <boost/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"

namespace araldo::test_support {

inline const std::string kAlert =
    R"({"headline":"Allerta rossa","event":"Flood","category":"Met","severity":"Severe",)"
    R"("urgency":"Immediate","certainty":"Observed","area":"Quartiere Niguarda")";

inline const std::string kWhatsAppInbound = "    inbound: {verify_token: vtok-123-verify-token}\n";

inline std::string telegram_citizens(const std::string& emulator_url, const std::string& inbound) {
  return "  telegram-citizens:\n    type: telegram\n    base_url: " + emulator_url +
         "\n    bot_token: ${TELEGRAM_TOKEN}\n    subscribers: true\n"
         "    private_chat_interval_ms: 0\n    inbound: " +
         inbound + "\n";
}

inline std::string hub_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

inline std::vector<long long> answers_of(const HttpResult& r) {
  std::vector<long long> out;
  const auto doc = boost::json::parse(r.body);
  for (const auto& a : doc.at("answers").as_array()) {
    out.push_back(a.as_int64());
  }
  return out;
}

class InboundE2E : public DaemonTest {
 protected:
  HttpResult emulator_post(const std::string& path, const std::string& json) {
    return http_request("POST", emulator_url_ + path, {{"Content-Type", "application/json"}}, json);
  }
  void point_whatsapp_webhook() {
    const auto r = emulator_post("/_emulator/whatsapp/webhook",
                                 R"({"url":")" + daemon_url_ + R"(/webhooks/whatsapp-comune"})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  long long subscribers(const std::string& channel) {
    return std::stoll(
        db_->scalar("SELECT count(*) FROM subscribers WHERE channel = '" + channel + "'"));
  }
  long long audit_count(const std::string& kind) {
    return std::stoll(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = '" + kind + "'"));
  }
  // The operator points the bot at araldod's webhook, as with curl and setWebhook.
  void point_telegram_webhook() {
    const auto set =
        http_request("POST", emulator_url_ + "/bot" + kBotToken + "/setWebhook",
                     {{"Content-Type", "application/json"}},
                     R"({"url":")" + daemon_url_ +
                         R"(/webhooks/telegram-citizens","secret_token":"s3cr3t-Token_1-long"})");
    ASSERT_EQ(set.status, 200) << set.body;
  }
  // The free-form texts WhatsApp carried, by recipient (the last one to each).
  std::map<std::string, std::string> whatsapp_texts() {
    std::map<std::string, std::string> out;
    for (const auto& m : emulator_messages("whatsapp")) {
      const auto* type = m.as_object().if_contains("type");  // templates have none
      if (type && *type == "text")
        out[std::string(m.at("to").as_string())] = m.at("text").as_string();
    }
    return out;
  }
  HttpResult citizen_writes(const std::string& from, const std::string& text,
                            const std::string& extra = "") {
    return emulator_post("/_emulator/whatsapp/inbound",
                         R"({"from":")" + from + R"(","text":")" + text + "\"" +
                             (extra.empty() ? "" : "," + extra) + "}");
  }
};

}  // namespace araldo::test_support
