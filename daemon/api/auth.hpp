#pragma once
// Bearer API keys. A request either names a live key or gets a 401 problem.
#include <variant>

#include "daemon/api/roles.hpp"
#include "daemon/http/http_message.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

// Who the key belongs to, or the problem to answer. Reads only the headers. Throws
// store::DatabaseUnavailable: the caller answers 503, never 401, when the database cannot
// say.
std::variant<Caller, http::Problem> authenticate(store::Database& db, const http::Request& request);

}  // namespace araldo::api
