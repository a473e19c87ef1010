#include "channels/x/x_channel.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/json.hpp>
#include <regex>

#include "channels/base_url.hpp"
#include "channels/x/oauth1_signature.hpp"
#include "channels/x/x_classify.hpp"
#include "channels/x/x_text_weight.hpp"
#include "daemon/text/graphemes.hpp"
#include "daemon/text/split_into_parts.hpp"

namespace araldo::channels::x {
namespace {

constexpr int max_thread_length = 25;

std::string make_nonce() {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("no randomness for an OAuth nonce");
  }
  std::string nonce;
  for (auto b : random) nonce += alphabet[b % alphabet.size()];
  return nonce;
}

class XChannel final : public Channel {
 public:
  XChannel(ChannelSettings settings, std::string base_url, std::string account,
           OAuth1Credentials credentials)
      : Channel(std::move(settings)),
        base_url_(std::move(base_url)),
        account_(std::move(account)),
        credentials_(std::move(credentials)) {}

  std::vector<Target> targets() const override { return {{account_, ""}}; }

  // Posts are plain text: nothing to escape.
  std::string escape(std::string_view text) const override { return std::string(text); }

  // A long alert becomes a thread; each part replies to the one before it.
  Split split(std::string_view text, std::string_view) const override {
    text::PartRules rules;
    rules.limit = max_weighted_length;
    rules.max_parts = max_thread_length;
    rules.measure = [](std::string_view t) { return weighted_length(t); };
    rules.cut = text::cut_plain;
    // A word longer than a post is cut between grapheme clusters (a flag stays whole).
    rules.break_word = [](std::string_view word, std::size_t budget) {
      std::vector<std::string> out(1);
      for (const auto cluster : text::grapheme_clusters(word)) {
        if (weighted_length(out.back() + std::string(cluster)) > budget) out.emplace_back();
        out.back() += cluster;
      }
      if (out.size() == 1 && out.back().empty()) out.clear();
      return out;
    };
    auto parts = text::split_into_parts(text, rules);
    if (auto* why = std::get_if<std::string>(&parts)) return *why;
    return std::get<std::vector<std::string>>(parts);
  }

  PartLength measure(std::string_view part) const override {
    return {weighted_length(part), max_weighted_length, "weighted_characters"};
  }

  // Basic tier, per user: about 100 posts per 15 minutes (unconfirmed: tiers change).
  RateLimit default_rate_limit() const override { return {100.0 / 900.0, 10}; }

  OutgoingRequest build_request(const Message& message) const override {
    OutgoingRequest req;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    if (message.action == Action::remove) {
      req.method = "DELETE";
      req.url = base_url_ + "/2/tweets/" + *message.subject_id;
    } else {
      req.method = "POST";
      req.url = base_url_ + "/2/tweets";
      boost::json::object body{{"text", message.text}};
      // A thread's later part answers the part before it; a notice answers the post.
      const auto& answers = message.action == Action::reply && message.part == 1
                                ? message.subject_id
                                : message.previous_part_id;
      if (answers) body["reply"] = {{"in_reply_to_tweet_id", *answers}};
      req.body = boost::json::serialize(body);
      req.headers.set("Content-Type", "application/json");
    }
    // A JSON body adds no parameters to the signature.
    req.headers.set(
        "Authorization",
        oauth1_authorization_header(
            credentials_, {req.method, req.url, {}, make_nonce(), std::to_string(now.count())}));
    return req;
  }

  Outcome classify(const Answer& answer) const override {
    return classify_answer(answer, std::chrono::system_clock::now());
  }

  // A post cannot be edited through the API: it is deleted, or answered with a notice
  // in its thread (the default: readers who shared it see the correction).
  bool supports(Action action) const override { return action != Action::edit; }
  Action default_on_cancel() const override { return Action::reply; }
  Action default_on_update() const override { return Action::reply; }

 private:
  std::string base_url_;
  std::string account_;
  OAuth1Credentials credentials_;
};

}  // namespace

std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section) {
  auto base_url = read_base_url(section, "https://api.x.com");
  static const std::regex account_shape("@[A-Za-z0-9_]{1,15}");
  auto account = section.required_string("account");
  if (!std::regex_match(account, account_shape)) {
    throw config::ConfigError(section.path() + ".account: expected @handle, got '" + account + "'");
  }
  OAuth1Credentials credentials{
      section.required_string("consumer_key"), section.secret("consumer_secret"),
      section.required_string("access_token"), section.secret("access_token_secret")};
  return std::make_unique<XChannel>(std::move(settings), std::move(base_url), std::move(account),
                                    std::move(credentials));
}

}  // namespace araldo::channels::x
