#pragma once
// Reading a request body as JSON: invalid UTF-8, syntax errors and duplicate keys are
// refused, each with where. Boost.JSON keeps the last of two equal keys, so
// `"severity":"Minor","severity":"Extreme"` would silently become Extreme.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/http/problem.hpp"

namespace araldo::model {

struct JsonSyntaxError {
  std::string detail;   // what and where, e.g. "invalid UTF-8 at byte 17"
  std::string pointer;  // the JSON Pointer of a duplicated key; empty otherwise
};

std::variant<boost::json::value, JsonSyntaxError> parse_json_body(std::string_view body);
// The 400 problem document for it.
http::Problem to_problem(const JsonSyntaxError& error);

// "/a~1b/0" for the key "a/b" then index 0 (RFC 6901 escaping).
std::string escape_pointer_token(std::string_view token);

}  // namespace araldo::model
