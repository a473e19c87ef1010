#pragma once
// Every endpoint in one table: method and path, the roles that may call it, the media type
// of its body and the body's size limit. The table answers what is wrong with a request
// from its header alone, before any body is read: 400 (a path that does not decode), 404,
// 405, 401, 403 (audited), 415, 413. The errors handlers throw become problem documents
// here, in one place.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/api/roles.hpp"
#include "daemon/http/http_message.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

using PathParams = std::map<std::string, std::string>;  // percent-decoded

struct Call {
  const http::Request& request;
  const PathParams& params;
  const Caller& caller;  // "anonymous" on routes that need no key
};
using CallHandler = std::function<http::Response(const Call&)>;

struct RouteSpec {
  std::string method;
  std::string pattern;         // literal segments and {param} segments
  std::vector<Role> roles;     // empty: no key needed (health checks)
  std::string media_type;      // of the body ("a, b": either); empty: the route takes none
  std::size_t body_limit = 0;  // 0: the server's body limit
  CallHandler handle;
};

class RouteTable {
 public:
  // `db`: for keys, and for auditing refusals.
  RouteTable(store::Database& db, std::size_t default_body_limit);

  void add(RouteSpec spec);
  // For the HTTP server: decides from the header alone.
  http::Admission admit(const http::Request& head) const;
  const std::vector<RouteSpec>& routes() const { return routes_; }

 private:
  struct Compiled {
    RouteSpec spec;
    std::vector<std::string> segments;
  };
  store::Database& db_;
  std::size_t default_body_limit_;
  std::vector<RouteSpec> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace araldo::api
