#pragma once
// The API's OpenAPI 3.1 description (docs/openapi.json, compiled in and served at
// /v1/openapi.json), and the check that it describes the route table: every path and
// method, the roles that may call each (x-araldo-roles) and its request media type.
// araldod runs the check at start and refuses to serve an API its document misstates.
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "daemon/api/route_table.hpp"

namespace araldo::api {

const std::string& openapi_document();

// Each disagreement, in words; empty when the document and the routes agree.
std::vector<std::string> openapi_mismatches(const boost::json::value& document,
                                            const std::vector<RouteSpec>& routes);

}  // namespace araldo::api
