#include "channels/x/x_channel.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <regex>

#include "channels/x/oauth1_signature.hpp"
#include "channels/x/x_classify.hpp"
#include "channels/x/x_text_weight.hpp"

namespace araldo::channels::x {
namespace {

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

  std::vector<std::string> targets() const override { return {account_}; }

  // Posts are plain text: nothing to escape.
  std::string escape(std::string_view text) const override { return std::string(text); }

  std::optional<std::string> check_rendered(std::string_view text) const override {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
      return "rendered text is empty";
    const auto weight = weighted_length(text);
    if (weight > max_weighted_length) {
      return "rendered post weighs " + std::to_string(weight) + "; X takes " +
             std::to_string(max_weighted_length);
    }
    return std::nullopt;
  }

  OutgoingRequest build_request(const Message& message) const override {
    OutgoingRequest req;
    req.method = "POST";
    req.url = base_url_ + "/2/tweets";
    req.body = boost::json::serialize(boost::json::object{{"text", message.text}});
    req.headers.set("Content-Type", "application/json");
    // A JSON body adds no parameters to the signature.
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    req.headers.set(
        "Authorization",
        oauth1_authorization_header(
            credentials_, {"POST", req.url, {}, make_nonce(), std::to_string(now.count())}));
    return req;
  }

  Outcome classify(const Answer& answer) const override {
    return classify_answer(answer, std::chrono::system_clock::now());
  }

 private:
  std::string base_url_;
  std::string account_;
  OAuth1Credentials credentials_;
};

}  // namespace

std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section) {
  auto base_url = section.optional_string("base_url", "https://api.x.com");
  auto parsed = boost::urls::parse_absolute_uri(base_url);
  if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http")) {
    throw config::ConfigError(section.path() + ".base_url: must be an http(s) URL");
  }
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
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
