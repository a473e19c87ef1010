#include "tests/emulator/x/x_api.hpp"

#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <regex>

#include "tests/emulator/crypto/emulator_crypto.hpp"
#include "tests/emulator/x/x_weight.hpp"

namespace araldo::emulator::x {
namespace {

http::Response problem(int status, const std::string& title, const std::string& detail) {
  boost::json::object o{
      {"title", title}, {"detail", detail}, {"type", "about:blank"}, {"status", status}};
  return http::Response::json(status, boost::json::serialize(o));
}

std::optional<std::string> pct_decode(const std::string& s) {
  auto pv = boost::urls::make_pct_string_view(s);
  if (!pv) return std::nullopt;
  auto decoded = **pv;
  return std::string(decoded.begin(), decoded.end());
}

}  // namespace

XApi::XApi(Options options, EmulatorState& state) : options_(std::move(options)), state_(state) {}

std::optional<http::Response> XApi::handle(const http::Request& request) {
  const std::string path(request.path());
  const bool one_post = path.starts_with("/2/tweets/");
  if (path != "/2/tweets" && !one_post) return std::nullopt;
  return state_.answer(
      "x",
      [](const Fault& fault) {
        auto r = problem(*fault.status, "Scripted fault", fault.description.value_or("fault"));
        if (*fault.status == 429) {
          r.headers.set("x-rate-limit-reset",
                        std::to_string(unix_millis() / 1000 + fault.retry_after.value_or(1)));
        }
        return r;
      },
      [&] { return one_post ? delete_post(request, path.substr(10)) : create_post(request); });
}

http::Response XApi::delete_post(const http::Request& request, const std::string& id) {
  if (request.method != "DELETE") return problem(405, "Method Not Allowed", "use DELETE");
  if (auto why = check_signature(request)) return problem(401, "Unauthorized", *why);
  {
    std::lock_guard lock(mutex_);
    if (!ids_.erase(id)) {
      return problem(404, "Not Found Error", "Could not find tweet with id: [" + id + "].");
    }
  }
  state_.record("x", {{"method", "DELETE"}, {"id", id}}, request.received_at);
  return http::Response::json(200, R"({"data":{"deleted":true}})");
}

std::optional<std::string> XApi::check_signature(const http::Request& request) {
  const auto header = std::string(request.headers.find("Authorization").value_or(""));
  if (!header.starts_with("OAuth ")) return "missing OAuth Authorization header";
  static const std::regex pair(R"(([a-z_]+)="([^"]*)\")");
  std::map<std::string, std::string> p;
  for (std::sregex_iterator it(header.begin() + 6, header.end(), pair), end; it != end; ++it) {
    auto value = pct_decode((*it)[2]);
    if (!value) return "badly encoded OAuth parameter";
    p[(*it)[1]] = *value;
  }
  const auto& account = options_.account;
  if (state_.revoked("x")) return "the access token was revoked";
  if (p["oauth_consumer_key"] != account.consumer_key || p["oauth_token"] != account.token) {
    return "unknown consumer key or token";
  }
  if (p["oauth_signature_method"] != "HMAC-SHA1" || p["oauth_version"] != "1.0") {
    return "unsupported signature method or version";
  }
  long long timestamp = 0;
  try {
    timestamp = std::stoll(p["oauth_timestamp"]);
  } catch (...) {
    return "bad timestamp";
  }
  if (std::llabs(timestamp - unix_millis() / 1000) > options_.max_clock_skew.count()) {
    return "timestamp out of bounds (clock skew)";
  }
  {
    std::lock_guard lock(mutex_);
    if (p["oauth_nonce"].empty() || !nonces_.insert(p["oauth_nonce"]).second) {
      return "nonce already used";
    }
  }
  // Recompute over what arrived: method, http://host/path, the query's and the oauth_*
  // parameters (a JSON body contributes nothing).
  const std::string base_url = "http://" + std::string(request.headers.find("Host").value_or("")) +
                               std::string(request.path());
  std::multimap<std::string, std::string> signed_params(p.begin(), p.end());
  if (const auto q = request.target.find('?'); q != std::string::npos) {
    auto query = boost::urls::parse_query(std::string_view(request.target).substr(q + 1));
    if (!query) return "badly encoded query";
    for (const auto& param : *query) {
      const auto key = *param.key;
      const auto value = *param.value;
      signed_params.emplace(std::string(key.begin(), key.end()),
                            std::string(value.begin(), value.end()));
    }
  }
  const auto expected =
      crypto::oauth1_hmac_sha1(request.method, base_url, signed_params,
                               account.consumer_secret.reveal(), account.token_secret.reveal());
  if (!crypto::same(expected, p["oauth_signature"])) return "signature does not match";
  return std::nullopt;
}

http::Response XApi::create_post(const http::Request& request) {
  if (request.method != "POST") return problem(405, "Method Not Allowed", "use POST");
  if (auto why = check_signature(request)) return problem(401, "Unauthorized", *why);
  boost::system::error_code ec;
  auto doc = boost::json::parse(request.body, ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("text") ||
      !doc.as_object().at("text").is_string()) {
    return problem(400, "Invalid Request", "One or more parameters to your request was invalid.");
  }
  const std::string text(doc.as_object().at("text").as_string());
  if (weighted_length(text) > max_weighted_length) {
    return problem(400, "Invalid Request", "Tweet text is too long.");
  }
  std::optional<std::string> reply_to;
  if (auto* reply = doc.as_object().if_contains("reply")) {
    const auto* to =
        reply->is_object() ? reply->as_object().if_contains("in_reply_to_tweet_id") : nullptr;
    if (!to || !to->is_string()) {
      return problem(400, "Invalid Request", "reply.in_reply_to_tweet_id must be a string id");
    }
    reply_to = std::string(to->as_string());
  }
  std::string id;
  const long long now_s = unix_millis() / 1000;
  long long remaining = 0;
  long long reset = 0;
  {
    std::lock_guard lock(mutex_);
    // A fixed window per user, as X counts: over the limit until the window resets.
    if (now_s >= window_start_ + options_.window.count()) {
      window_start_ = now_s;
      window_posts_ = 0;
    }
    reset = window_start_ + options_.window.count();
    if (options_.posts_per_window > 0 && window_posts_ >= options_.posts_per_window) {
      auto r = problem(429, "Too Many Requests", "Too Many Requests");
      r.headers.set("x-rate-limit-limit", std::to_string(options_.posts_per_window));
      r.headers.set("x-rate-limit-remaining", "0");
      r.headers.set("x-rate-limit-reset", std::to_string(reset));
      return r;
    }
    if (reply_to && !ids_.contains(*reply_to)) {
      return problem(403, "Forbidden",
                     "You attempted to reply to a Tweet that is deleted or not visible to you.");
    }
    if (!texts_.insert(text).second) {
      return problem(403, "Forbidden",
                     "You are not allowed to create a Tweet with duplicate content.");
    }
    id = std::to_string(next_id_++);
    ids_.insert(id);
    remaining = options_.posts_per_window - ++window_posts_;
  }
  boost::json::object message{{"method", "POST"}, {"id", id}, {"text", text}};
  if (reply_to) message["in_reply_to_tweet_id"] = *reply_to;
  state_.record("x", message, request.received_at);
  boost::json::object data{{"id", id}, {"text", text}, {"edit_history_tweet_ids", {id}}};
  auto r = http::Response::json(201, boost::json::serialize(boost::json::object{{"data", data}}));
  r.headers.set("x-rate-limit-limit", std::to_string(options_.posts_per_window));
  r.headers.set("x-rate-limit-remaining", std::to_string(std::max(0LL, remaining)));
  r.headers.set("x-rate-limit-reset", std::to_string(reset));
  return r;
}

}  // namespace araldo::emulator::x
