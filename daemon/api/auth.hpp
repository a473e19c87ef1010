#pragma once
// Bearer API keys. A request either names a live key or gets a 401 problem.
#include <string>
#include <variant>

#include "daemon/http/http_message.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

// The key's name (the actor recorded in the audit log), or the problem to answer.
// Throws store::DatabaseUnavailable: the caller answers 503, never 401, when the
// database cannot say.
std::variant<std::string, http::Problem> authenticate(store::Database& db,
                                                      const http::Request& request);

}  // namespace araldo::api
