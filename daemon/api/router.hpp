#pragma once
// Maps method + path to a handler. Paths are literal segments or {param} segments.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/http/http_message.hpp"

namespace araldo::api {

using PathParams = std::map<std::string, std::string>;
using Route = std::function<http::Response(const http::Request&, const PathParams&)>;

class Router {
 public:
  void add(std::string method, std::string pattern, Route route);
  // 404 for an unknown path, 405 (with Allow) for a known path and wrong method.
  http::Response handle(const http::Request& request) const;

 private:
  struct Entry {
    std::string method;
    std::vector<std::string> segments;
    Route route;
  };
  std::vector<Entry> entries_;
};

}  // namespace araldo::api
