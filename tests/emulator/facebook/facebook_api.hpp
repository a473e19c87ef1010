#pragma once
// Facebook Pages: POST /{version}/{page-id}/feed, as strict as shared/platforms.md: the
// Page token and appsecret_proof are checked, empty, over-long and duplicate posts are
// refused, and Page-level throttling answers code 32 with X-Business-Use-Case-Usage.
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "daemon/http/http_message.hpp"
#include "tests/emulator/emulator_state.hpp"
#include "tests/emulator/token_bucket.hpp"

namespace araldo::emulator::facebook {

struct Options {
  std::string page_id;
  std::string page_token;
  std::optional<std::string> app_secret;  // set: every call must carry appsecret_proof
  bool rate_limits = true;
  double posts_per_second = 1;
  double burst = 20;
};

class FacebookApi {
 public:
  FacebookApi(Options options, EmulatorState& state);
  // Answers /vN.N/{id}/feed; nullopt for any other path.
  std::optional<http::Response> handle(const http::Request& request);

 private:
  http::Response create_post(const std::string& page, const http::Request& request);
  // POST /{post-id} edits a post's message; DELETE /{post-id} deletes it.
  http::Response edit_or_delete_post(const std::string& id, const http::Request& request);
  // The Page token (as access_token or a Bearer header) and appsecret_proof, or the error.
  std::optional<http::Response> authenticate(const http::Request& request,
                                             std::map<std::string, std::string>& params) const;
  std::optional<http::Response> check_message(const std::string& message) const;

  Options options_;
  EmulatorState& state_;
  std::mutex mutex_;
  TokenBucket bucket_;
  std::set<std::string> texts_;
  std::map<std::string, std::string> posts_;  // live posts: id -> message
  long long next_post_ = 100000001;
};

}  // namespace araldo::emulator::facebook
