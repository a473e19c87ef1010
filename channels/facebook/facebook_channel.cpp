#include "channels/facebook/facebook_channel.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "channels/facebook/facebook_classify.hpp"
#include "channels/graph/graph_api.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::channels::facebook {
namespace {

// Facebook's limit for a post's text.
constexpr std::size_t max_post_length = 63'206;

std::string form_encode(std::string_view value) {
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

class FacebookChannel final : public Channel {
 public:
  FacebookChannel(ChannelSettings settings, std::string base_url, std::string version,
                  std::string page_id, config::Secret token,
                  std::optional<config::Secret> app_secret)
      : Channel(std::move(settings)),
        base_url_(std::move(base_url)),
        version_(std::move(version)),
        page_id_(std::move(page_id)),
        token_(std::move(token)),
        app_secret_(std::move(app_secret)),
        proof_(app_secret_ ? graph::appsecret_proof(app_secret_->reveal(), token_.reveal()) : "") {}

  std::vector<Target> targets() const override { return {{page_id_, ""}}; }

  std::string escape(std::string_view text) const override { return std::string(text); }

  Split split(std::string_view text, std::string_view) const override {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return std::string("rendered text is empty");
    }
    std::size_t length = 0;
    text::for_each_code_point(text, [&](char32_t) { ++length; });
    if (length > max_post_length) {
      return "rendered post is " + std::to_string(length) + " characters; Facebook takes " +
             std::to_string(max_post_length);
    }
    return std::vector<std::string>{std::string(text)};
  }

  PartLength measure(std::string_view part) const override {
    std::size_t length = 0;
    text::for_each_code_point(part, [&](char32_t) { ++length; });
    return {length, max_post_length, "characters"};
  }

  // Page posts are few; Graph throttles on a rolling hourly budget (shared/platforms.md).
  RateLimit default_rate_limit() const override { return {1, 5}; }

  OutgoingRequest build_request(const Message& message) const override {
    OutgoingRequest req;
    if (message.action == Action::remove) {
      // DELETE /{post-id}: no body, so the token goes in the Authorization header (never in
      // the URL that logs might show); the proof is no secret.
      req.method = "DELETE";
      req.url = base_url_ + "/" + version_ + "/" + *message.subject_id;
      if (app_secret_) req.url += "?appsecret_proof=" + proof_;
      req.headers.set("Authorization", "Bearer " + token_.reveal());
      return req;
    }
    req.method = "POST";
    // An edit is POST /{post-id}; a post, or a notice (a Page cannot reply), the feed.
    req.url = base_url_ + "/" + version_ + "/" +
              (message.action == Action::edit ? *message.subject_id : message.target + "/feed");
    req.headers.set("Content-Type", "application/x-www-form-urlencoded");
    // The token travels in the body, never in the URL that logs might show.
    req.body =
        "message=" + form_encode(message.text) + "&access_token=" + form_encode(token_.reveal());
    if (app_secret_) req.body += "&appsecret_proof=" + proof_;
    return req;
  }

  // A Page post can be edited (the default: readers see it say so) or deleted; a notice
  // is a new post.
  bool supports(Action) const override { return true; }
  Action default_on_cancel() const override { return Action::edit; }
  Action default_on_update() const override { return Action::edit; }

  Outcome classify(const Answer& answer) const override { return classify_answer(answer); }

 private:
  std::string base_url_;
  std::string version_;
  std::string page_id_;
  config::Secret token_;
  std::optional<config::Secret> app_secret_;
  std::string proof_;  // appsecret_proof: the same for every request, made once
};

}  // namespace

std::unique_ptr<Channel> make_channel(ChannelSettings settings, config::Section& section) {
  auto c = graph::read_config(section, "page_id", "page_access_token");
  return std::make_unique<FacebookChannel>(std::move(settings), std::move(c.base_url),
                                           std::move(c.version), std::move(c.object_id),
                                           std::move(c.token), std::move(c.app_secret));
}

}  // namespace araldo::channels::facebook
