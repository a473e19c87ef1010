#include "tests/emulator/facebook/facebook_api.hpp"

#include <boost/json.hpp>
#include <regex>

#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include "tests/emulator/graph/graph_emulation.hpp"

namespace araldo::emulator::facebook {

FacebookApi::FacebookApi(Options options, EmulatorState& state)
    : options_(std::move(options)),
      state_(state),
      bucket_(options_.posts_per_second, options_.burst) {}

std::optional<http::Response> FacebookApi::handle(const http::Request& request) {
  static const std::regex feed_path("/(v[0-9]{1,2}\\.[0-9])/([^/]+)/feed");
  static const std::regex post_path("/(v[0-9]{1,2}\\.[0-9])/([0-9]+_[0-9]+)");
  std::smatch m;
  const std::string path(request.path());
  const bool feed = std::regex_match(path, m, feed_path);
  if (!feed && !std::regex_match(path, m, post_path)) return std::nullopt;
  const std::string object = m[2];
  return state_.answer(
      "facebook",
      [](const Fault& fault) {
        const int s = *fault.status;
        if (s == 429 || s == 400) {
          auto r =
              graph::error(400, 32, fault.description.value_or("(#32) Page request limit reached"));
          r.headers.set(
              "X-Business-Use-Case-Usage",
              R"({"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":)" +
                  std::to_string(fault.retry_after.value_or(60) / 60) + "}]}");
          return r;
        }
        return graph::error(s, 2, fault.description.value_or("Service temporarily unavailable"), 0,
                            true);
      },
      [&] {
        if (!feed) return edit_or_delete_post(object, request);
        if (request.method != "POST") return graph::error(400, 100, "Unsupported get request.");
        return create_post(object, request);
      });
}

std::optional<http::Response> FacebookApi::authenticate(
    const http::Request& request, std::map<std::string, std::string>& params) const {
  std::string token = params["access_token"];
  if (auto auth = request.headers.find("Authorization"); auth && auth->starts_with("Bearer ")) {
    token = std::string(auth->substr(7));
  }
  if (token.empty()) {
    return graph::error(400, 2500, "An active access token must be used to query information.");
  }
  if (state_.revoked("facebook")) {
    return graph::error(400, 190,
                        "Error validating access token: The session has been invalidated because "
                        "the user changed their password or Facebook has changed the session for "
                        "security reasons.",
                        460);
  }
  if (token != options_.page_token) {
    return graph::error(400, 190, "Invalid OAuth access token - Cannot parse access token");
  }
  if (auto why = graph::check_proof(options_.app_secret, token, params)) {
    return graph::error(400, 100, *why);
  }
  return std::nullopt;
}

std::optional<http::Response> FacebookApi::check_message(const std::string& message) const {
  if (message.find_first_not_of(" \t\r\n") == std::string::npos) {
    return graph::error(400, 100, "(#100) Missing message or attachment");
  }
  // Graph counts code points; strict UTF-8 decoding refuses what Graph refuses.
  UErrorCode status = U_ZERO_ERROR;
  int32_t utf16 = 0;
  u_strFromUTF8(nullptr, 0, &utf16, message.data(), static_cast<int32_t>(message.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    return graph::error(400, 100, "(#100) Invalid UTF-8 in message");
  }
  const auto length = icu::UnicodeString::fromUTF8(message).countChar32();
  if (length > 63'206) return graph::error(400, 100, "(#100) The message is too long");
  return std::nullopt;
}

http::Response FacebookApi::edit_or_delete_post(const std::string& id,
                                                const http::Request& request) {
  auto params = graph::parameters(request);
  if (auto refused = authenticate(request, params)) return *refused;
  if (request.method != "POST" && request.method != "DELETE") {
    return graph::error(400, 100, "Unsupported " + request.method + " request.");
  }
  const bool editing = request.method == "POST";
  if (editing) {
    if (auto bad = check_message(params["message"])) return *bad;
  }
  {
    std::lock_guard lock(mutex_);
    const auto it = posts_.find(id);
    if (it == posts_.end()) {
      return graph::error(400, 100,
                          "Unsupported " + request.method + " request. Object with ID '" + id +
                              "' does not exist, cannot be loaded due to missing permissions, "
                              "or does not support this operation.",
                          33);
    }
    if (editing) {
      it->second = params["message"];
    } else {
      posts_.erase(it);
    }
  }
  boost::json::object recorded{{"method", request.method}, {"id", id}};
  if (editing) recorded["message"] = params["message"];
  state_.record("facebook", std::move(recorded), request.received_at);
  return http::Response::json(200, R"({"success":true})");
}

http::Response FacebookApi::create_post(const std::string& page, const http::Request& request) {
  auto params = graph::parameters(request);
  if (auto refused = authenticate(request, params)) return *refused;
  if (page != options_.page_id) {
    return graph::error(400, 100,
                        "Unsupported post request. Object with ID '" + page +
                            "' does not exist, cannot be loaded due to missing permissions, or "
                            "does not support this operation.",
                        33);
  }
  const auto& message = params["message"];
  if (auto bad = check_message(message)) return *bad;

  std::string id;
  {
    std::lock_guard lock(mutex_);
    if (options_.rate_limits) {
      if (const auto wait = bucket_.take(request.received_at); wait.count() > 0) {
        auto r = graph::error(400, 32, "(#32) Page request limit reached");
        const long long minutes = (wait.count() + 59'999) / 60'000;
        r.headers.set(
            "X-Business-Use-Case-Usage",
            "{\"" + page +
                R"(":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":)" +
                std::to_string(minutes) + "}]}");
        return r;
      }
    }
    if (!texts_.insert(message).second)
      return graph::error(400, 506, "(#506) Duplicate status message");
    id = page + "_" + std::to_string(next_post_++);
    posts_[id] = message;
  }
  state_.record("facebook",
                {{"method", "POST"}, {"id", id}, {"page_id", page}, {"message", message}},
                request.received_at);
  return http::Response::json(200, boost::json::serialize(boost::json::object{{"id", id}}));
}

}  // namespace araldo::emulator::facebook
