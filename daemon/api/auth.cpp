#include "daemon/api/auth.hpp"

#include "daemon/api/key_cache.hpp"
#include "daemon/store/api_key_store.hpp"

namespace araldo::api {

std::variant<Caller, http::Problem> authenticate(store::Database& db,
                                                 const http::Request& request) {
  const auto header = request.headers.find("Authorization");
  if (!header) return http::unauthorized("send the API key as 'Authorization: Bearer <key>'");
  constexpr std::string_view scheme = "Bearer ";
  if (header->size() <= scheme.size() || !http::iequals(header->substr(0, scheme.size()), scheme)) {
    return http::unauthorized("the Authorization header must use the Bearer scheme");
  }
  const std::string key(header->substr(scheme.size()));
  // One cache per process: revocation and expiry take effect within KeyCache::default_ttl.
  static KeyCache cache;
  const auto found =
      cache.find(key, [&](const std::string& k) { return store::find_api_key(db, k); });
  if (!found) return http::unauthorized("the API key is unknown, revoked or expired");
  const auto role = parse_role(found->role);
  if (!role) {
    return http::unauthorized("the key's role '" + found->role +
                              "' is unknown to this version of araldod");
  }
  return Caller{found->name, *role};
}

}  // namespace araldo::api
