#include "daemon/api/router.hpp"

#include "daemon/http/problem.hpp"

namespace araldo::api {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    const auto end = path.find('/', start);
    out.emplace_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end;
  }
  return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           PathParams& params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      params[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Route route) {
  entries_.push_back({std::move(method), split_path(pattern), std::move(route)});
}

http::Response Router::handle(const http::Request& request) const {
  const auto path = split_path(request.path());
  std::string allowed;
  for (const auto& e : entries_) {
    PathParams params;
    if (!match(e.segments, path, params)) continue;
    if (e.method == request.method) {
      return e.route(request, params);
    }
    allowed += (allowed.empty() ? "" : ", ") + e.method;
  }
  if (!allowed.empty()) {
    auto r = http::Problem{
        405,
        "method-not-allowed",
        "Method not allowed",
        request.method + " is not allowed here; use " + allowed,
        {}}.to_response();
    r.headers.set("Allow", allowed);
    return r;
  }
  return http::not_found("no such endpoint: " + std::string(request.path())).to_response();
}

}  // namespace araldo::api
