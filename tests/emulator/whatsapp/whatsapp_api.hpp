#pragma once
// WhatsApp Cloud API: POST /{version}/{phone-number-id}/messages, as strict as
// shared/platforms.md: the bearer token (and appsecret_proof when required) is checked,
// only approved templates in their languages with the right parameter count are sent,
// free text outside the customer-service window and unknown recipients are refused,
// and throughput and pair-rate limits answer 130429 and 131056.
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "daemon/http/http_message.hpp"
#include "tests/emulator/emulator_state.hpp"
#include "tests/emulator/token_bucket.hpp"

namespace araldo::emulator::whatsapp {

struct Template {
  std::set<std::string> languages;  // WhatsApp language codes, e.g. "it", "en_US"
  int parameters = 0;
  int quick_replies = 0;  // quick-reply buttons: each send may set their payloads
};

struct Options {
  std::string phone_number_id;
  std::string token;
  std::optional<std::string> app_secret;
  std::map<std::string, Template> templates;
  std::set<std::string> undeliverable;  // numbers not on WhatsApp: 131026
  bool rate_limits = true;
  double messages_per_second = 80;  // per business number
  double burst = 80;
  double pair_seconds = 6;  // one message per recipient every N seconds
};

// Webhooks, as Meta sends them (shared/inbound.md): signed with the app secret over the raw
// body, retried while not answered 200, and on request duplicated, reordered, forged or
// unsigned. Control endpoints under /_emulator/whatsapp/ make citizens write and messages
// be delivered or read.
class WhatsAppApi {
 public:
  WhatsAppApi(Options options, EmulatorState& state);
  // Answers /vN.N/{id}/messages; nullopt for any other path.
  std::optional<http::Response> handle(const http::Request& request);
  // /_emulator/whatsapp/{webhook,inbound,press,preferences,statuses,replay}; nullopt for any
  // other path.
  std::optional<http::Response> control(const http::Request& request);

 private:
  http::Response send_message(const std::string& phone_id, const http::Request& request);
  http::Response send_text(const std::string& to, const boost::json::value& doc,
                           std::chrono::steady_clock::time_point received_at);
  // Sends one envelope holding `values` (each a change's value: messages or statuses).
  std::vector<int> deliver(const boost::json::object& value, const boost::json::object& how,
                           const std::string& field = "messages");

  std::string webhook_url_;
  std::string webhook_secret_;
  std::map<std::string, long long> window_;  // number -> when it last wrote (Unix s)
  struct Sent {
    std::string id;  // wamid
    std::string to;
    std::string tag;                         // biz_opaque_callback_data, echoed in its statuses
    std::vector<std::string> payloads = {};  // its quick-reply buttons' payloads, by index
  };
  std::vector<Sent> sent_;                                       // in sending order
  std::vector<std::pair<std::string, http::Headers>> webhooks_;  // what was delivered
  long long next_inbound_ = 1;

  Options options_;
  EmulatorState& state_;
  std::mutex mutex_;
  TokenBucket throughput_;
  std::map<std::string, TokenBucket> pairs_;
  long long next_id_ = 1;
};

}  // namespace araldo::emulator::whatsapp
