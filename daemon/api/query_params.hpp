#pragma once
// A request's query parameters, read strictly: an unknown one, or a single-valued one
// given twice, is refused by name rather than ignored. Also the time, count and cursor
// parameters the listing endpoints share.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/http/http_message.hpp"
#include "daemon/http/problem.hpp"

namespace araldo::api {

class QueryParams {
 public:
  // Errors go to `errors`, each naming its parameter.
  QueryParams(const http::Request& request, const std::set<std::string>& allowed,
              const std::set<std::string>& repeatable, std::vector<http::FieldError>& errors);

  std::optional<std::string> one(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  // A CAP datetime or RFC 3339 with Z (2026-11-29T10:00:00Z); as text PostgreSQL reads.
  std::optional<std::string> time(const std::string& name);
  std::optional<long long> positive(const std::string& name);
  // An alert's id (a UUID).
  std::optional<std::string> uuid(const std::string& name);
  int limit(int fallback, int max);
  // Every parameter but these, canonically written: what a cursor is bound to.
  std::string canonical(const std::set<std::string>& except) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<http::FieldError>& errors_;
};

// The request's path and query with `name` set to `value` (already encoded): a next page.
std::string with_parameter(const http::Request& request, const std::string& name,
                           const std::string& value);

}  // namespace araldo::api
