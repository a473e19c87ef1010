#pragma once
// Telegram's Bot API sendMessage, editMessageText and deleteMessage, as strict as
// shared/platforms.md: the token in the path is checked, JSON and form bodies are read,
// HTML is parsed like Telegram parses it, over-long text is refused, flood limits answer
// 429 with parameters.retry_after; a reply, an edit or a deletion must name a message the
// bot sent to that chat (and not deleted); an edit must change the text.
#include <boost/json/object.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "daemon/http/http_message.hpp"
#include "tests/emulator/emulator_state.hpp"
#include "tests/emulator/token_bucket.hpp"

namespace araldo::emulator::telegram {

struct Options {
  std::set<std::string> tokens;         // bots that exist
  std::set<std::string> chats;          // chats the bots are in; empty: any well-formed id
  std::set<std::string> blocked_chats;  // answer 403 "bot was blocked by the user"
  // Chats where deleteMessage is refused, as Telegram refuses a message too old to delete.
  std::set<std::string> undeletable_chats;
  std::map<std::string, long long> migrated_chats;  // groups now supergroups: old -> new id
  bool rate_limits = true;
  double global_per_second = 30;  // per bot
  // Messages sent with allow_paid_broadcast (the bot pays 0.1 Star each) skip the 30/s
  // and take from this rate instead (Bot API 7.11: "up to 1000 messages per second").
  double paid_per_second = 1000;  // per bot
  double private_per_second = 1;  // per private chat
  double group_per_minute = 20;   // per group or channel
};

// Updates, as the Bot API hands them out: queued per bot with sequential update_ids, and
// either pushed to the webhook set with setWebhook (with its secret token, repeated while
// not answered 2xx) or returned by getUpdates long polls (which the webhook excludes, and
// a second poller terminates with 409). /_emulator/telegram/updates makes a user write,
// block the bot, or press a button of a message the bot sent them ("press": {message_id,
// data}; a data no button has only with "tampered": true, as a modified client would).
class TelegramApi {
 public:
  TelegramApi(Options options, EmulatorState& state);
  // Answers /bot<token>/<method>; nullopt for any other path.
  std::optional<http::Response> handle(const http::Request& request);
  // /_emulator/telegram/updates; nullopt for any other path.
  std::optional<http::Response> control(const http::Request& request);

 private:
  http::Response set_webhook(const std::string& token, const http::Request& request);
  http::Response delete_webhook(const std::string& token, const http::Request& request);
  http::Response get_updates(const std::string& token, const http::Request& request);

  struct Bot {
    std::string webhook_url;
    std::string secret_token;
    std::deque<boost::json::object> pending;  // for getUpdates
    long long next_update_id = 100000;
    long long poll_generation = 0;  // a newer getUpdates terminates the one waiting
  };
  std::map<std::string, Bot> bots_;
  std::condition_variable updates_changed_;
  std::set<std::string> started_;  // private chats that wrote to the bot
  std::set<std::string> blocked_;  // users who blocked it since

  http::Response send_message(const std::string& token, const http::Request& request);
  http::Response edit_or_delete(const std::string& method, const http::Request& request);
  // `now`: the request's arrival, which the limits count by; `paid`: allow_paid_broadcast.
  std::optional<long long> throttle(const std::string& token, const std::string& chat, bool paid,
                                    TokenBucket::Clock::time_point now);

  Options options_;
  EmulatorState& state_;
  std::mutex mutex_;
  std::map<std::string, TokenBucket> buckets_;
  std::map<std::string, long long> next_message_id_;
  struct Sent {
    std::string text;  // as the reader sees it
    bool deleted = false;
    std::set<std::string> buttons = {};  // the callback_data of its inline keyboard
  };
  std::set<std::string> open_presses_;  // callback queries not answered yet
  // An inline keyboard as sendMessage's reply_markup, or what the Bot API says is wrong.
  static std::variant<std::set<std::string>, std::string> read_keyboard(const std::string& json);
  http::Response answer_callback(const http::Request& request);
  std::map<std::pair<std::string, long long>, Sent> sent_;  // (chat, message id)
};

}  // namespace araldo::emulator::telegram
