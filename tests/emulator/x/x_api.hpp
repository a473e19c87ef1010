#pragma once
// X API v2 POST /2/tweets and DELETE /2/tweets/{id}, as strict as shared/platforms.md: the
// OAuth 1.0a signature is recomputed from the request with the secrets only X and the account know;
// stale timestamps and reused nonces are refused, as are over-length and duplicate posts.
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "channels/x/oauth1_signature.hpp"
#include "daemon/http/http_message.hpp"
#include "tests/emulator/emulator_state.hpp"

namespace araldo::emulator::x {

struct Options {
  channels::x::OAuth1Credentials account;  // the one app + user token that exists
  std::chrono::seconds max_clock_skew{300};
  long long posts_per_window = 100;  // per user; 0: no limit
  std::chrono::seconds window{900};
};

class XApi {
 public:
  XApi(Options options, EmulatorState& state);
  // Answers /2/tweets; nullopt for any other path.
  std::optional<http::Response> handle(const http::Request& request);

 private:
  std::optional<std::string> check_signature(const http::Request& request);
  http::Response create_post(const http::Request& request);
  http::Response delete_post(const http::Request& request, const std::string& id);

  Options options_;
  EmulatorState& state_;
  std::mutex mutex_;
  std::set<std::string> nonces_;
  std::set<std::string> texts_;
  std::set<std::string> ids_;
  long long next_id_ = 1445880548472328192;
  long long window_start_ = 0;
  long long window_posts_ = 0;
};

}  // namespace araldo::emulator::x
