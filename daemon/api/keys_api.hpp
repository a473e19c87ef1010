#pragma once
// API keys, for an admin:
//   POST   /v1/keys          create {"name","role","expires_at"?}: the key is shown once
//   GET    /v1/keys          list every key (never a key or its hash)
//   DELETE /v1/keys/{name}   revoke
#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class KeysApi {
 public:
  explicit KeysApi(store::Database& db) : db_(db) {}

  http::Response create(const Call& call) const;
  http::Response list(const Call& call) const;
  http::Response revoke(const Call& call) const;

 private:
  store::Database& db_;
};

}  // namespace araldo::api
