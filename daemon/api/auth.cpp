#include "daemon/api/auth.hpp"

#include "daemon/store/api_key_store.hpp"

namespace araldo::api {

std::variant<std::string, http::Problem> authenticate(store::Database& db,
                                                      const http::Request& request) {
  const auto header = request.headers.find("Authorization");
  if (!header) return http::unauthorized("send the API key as 'Authorization: Bearer <key>'");
  constexpr std::string_view scheme = "Bearer ";
  if (header->size() <= scheme.size() || !http::iequals(header->substr(0, scheme.size()), scheme)) {
    return http::unauthorized("the Authorization header must use the Bearer scheme");
  }
  const std::string key(header->substr(scheme.size()));
  auto name = db.with_connection([&](pqxx::connection& c) { return store::find_api_key(c, key); });
  if (!name) return http::unauthorized("the API key is unknown or revoked");
  return *name;
}

}  // namespace araldo::api
