// The OpenAPI document against a route table: each kind of disagreement is named.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/api/openapi.hpp"

namespace araldo::api {
namespace {

CallHandler none() {
  return [](const Call&) { return http::Response{}; };
}

TEST(OpenApi, TheCompiledInDocumentIsOpenApi31WithAProblemForEveryError) {
  const auto doc = boost::json::parse(openapi_document()).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  for (const auto& [path, methods] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : methods.as_object()) {
      const auto& responses = op.as_object().at("responses").as_object();
      for (const auto& [code, r] : responses) {
        if (code.starts_with("4") || code.starts_with("5")) {
          EXPECT_EQ(r.as_object().at("$ref").as_string(), "#/components/responses/Problem")
              << method << " " << path << " " << code;
        }
      }
    }
  }
}

TEST(OpenApi, NamesEachDisagreementWithTheRoutes) {
  const auto doc = boost::json::parse(R"({"paths":{
      "/v1/things":{"post":{"x-araldo-roles":["operator"],
                            "requestBody":{"content":{"application/json":{}}}},
                    "get":{"x-araldo-roles":["operator","auditor"]}},
      "/v1/gone":{"get":{"x-araldo-roles":[]}}}})");
  std::vector<RouteSpec> routes{
      {"POST", "/v1/things", {Role::Operator}, "application/json", 0, none()},
      {"GET", "/v1/things", {Role::Operator, Role::Auditor}, "", 0, none()},
      {"GET", "/v1/gone", {}, "", 0, none()}};
  EXPECT_TRUE(openapi_mismatches(doc, routes).empty());

  routes[0].media_type = "text/csv";
  routes[1].roles = {Role::Operator};
  routes.pop_back();
  routes.push_back({"DELETE", "/v1/things", {Role::Admin}, "", 0, none()});
  EXPECT_EQ(
      openapi_mismatches(doc, routes),
      (std::vector<std::string>{"POST /v1/things: takes 'text/csv', documented 'application/json'",
                                "GET /v1/things: roles [operator], documented [auditor,operator]",
                                "DELETE /v1/things: served, not in the document",
                                "get /v1/gone: documented, not served"}));
}

}  // namespace
}  // namespace araldo::api
