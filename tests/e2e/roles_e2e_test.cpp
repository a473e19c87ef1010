// Roles over HTTP: each key may do what its role allows and nothing else; a refusal is a
// 403 problem document and an audit event; an admin manages keys over the API.
#include <algorithm>
#include <boost/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

const std::string kAlert = R"({"headline":"Prova sirene","event":"Siren test","category":"Safety",)"
                           R"("severity":"Minor","urgency":"Future","certainty":"Observed"})";

std::map<std::string, std::string> bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}};
}

}  // namespace

class RolesE2E : public DaemonTest {
 protected:
  HttpResult call(const std::string& method, const std::string& path, const std::string& key,
                  const std::string& body = "") {
    return http_request(method, daemon_url_ + path, bearer(key), body);
  }
  // Creates a key over the API as the admin; returns it.
  std::string api_key(const std::string& name, const std::string& role) {
    const auto r = call("POST", "/v1/keys", admin_key_,
                        R"({"name":")" + name + R"(","role":")" + role + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    return std::string(boost::json::parse(r.body).at("key").as_string());
  }
  static std::string type_of(const HttpResult& r) {
    return std::string(boost::json::parse(r.body).at("type").as_string());
  }
};

TEST_F(RolesE2E, EachRoleDoesWhatItMayAndARefusalIs403AndAudited) {
  start_daemon();
  const auto auditor = api_key("audit-office", "auditor");
  const auto cron = api_key("cron-sirens", "scheduler");

  // The operator sends; the auditor reads it; the scheduler may not read another's alert.
  const auto sent = call("POST", "/v1/alerts", api_key_, kAlert);
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id(boost::json::parse(sent.body).at("id").as_string());
  EXPECT_EQ(call("GET", "/v1/alerts/" + id, auditor).status, 200);
  EXPECT_EQ(call("GET", "/v1/alerts/" + id, cron).status, 404);
  EXPECT_EQ(call("GET", "/v1/deliveries?state=sent", auditor).status, 200);

  // The auditor cannot send, cancel or retry; the scheduler cannot cancel or read the log.
  const auto denied = call("POST", "/v1/alerts", auditor, kAlert);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.headers.find("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(type_of(denied), "urn:araldo:problem:forbidden");
  EXPECT_NE(denied.body.find("auditor"), std::string::npos) << denied.body;
  EXPECT_EQ(call("POST", "/v1/alerts/" + id + "/cancel", auditor).status, 403);
  EXPECT_EQ(call("POST", "/v1/alerts/" + id + "/cancel", cron).status, 403);
  EXPECT_EQ(call("GET", "/v1/deliveries", cron).status, 403);
  // Nor may an operator manage keys or subscribers.
  EXPECT_EQ(call("GET", "/v1/keys", api_key_).status, 403);
  EXPECT_EQ(call("DELETE", "/v1/channels/telegram-main/subscribers/393331234567", api_key_).status,
            403);

  // The scheduler sends, and reads what it sent.
  const auto scheduled = call("POST", "/v1/alerts", cron, kAlert);
  ASSERT_EQ(scheduled.status, 202) << scheduled.body;
  const std::string own(boost::json::parse(scheduled.body).at("id").as_string());
  EXPECT_EQ(call("GET", "/v1/alerts/" + own, cron).status, 200);

  // One alert per send, no more: the refusals wrote nothing but their audit events.
  EXPECT_EQ(db_->count("alerts"), 2);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'access.denied'"), "6");
  EXPECT_EQ(db_->scalar("SELECT actor || ' ' || (detail->>'role') || ' ' || (detail->>'method')"
                        "  FROM audit_events WHERE kind = 'access.denied' ORDER BY id LIMIT 1"),
            "audit-office auditor POST");
}

TEST_F(RolesE2E, AnAdminCreatesListsAndRevokesKeys) {
  start_daemon();
  const auto created = call("POST", "/v1/keys", admin_key_,
                            R"({"name":"turno-notte","role":"operator",)"
                            R"("expires_at":"2099-12-31T23:59:59+01:00"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers.find("Cache-Control").value_or(""), "no-store");
  const auto doc = boost::json::parse(created.body).as_object();
  const std::string key(doc.at("key").as_string());
  EXPECT_EQ(call("POST", "/v1/alerts", key, kAlert).status, 202);

  const auto listed = call("GET", "/v1/keys", admin_key_);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(key), std::string::npos);  // never the key
  EXPECT_EQ(listed.body.find(db_->scalar("SELECT key_sha256 FROM api_keys LIMIT 1")),
            std::string::npos);  // nor its hash
  bool seen = false;
  const auto list = boost::json::parse(listed.body);
  for (const auto& k : list.at("keys").as_array()) {
    if (k.at("name").as_string() != "turno-notte") continue;
    seen = true;
    EXPECT_EQ(k.at("role").as_string(), "operator");
    EXPECT_EQ(k.at("created_by").as_string(), "e2e-admin");
    EXPECT_TRUE(k.at("expires_at").is_string());
    EXPECT_TRUE(k.at("revoked_at").is_null());
  }
  EXPECT_TRUE(seen) << listed.body;

  // Bad input: each refused with where, nothing created.
  const auto before = db_->count("api_keys");
  auto refused = call("POST", "/v1/keys", admin_key_, R"({"name":"x y","role":"root","z":1})");
  EXPECT_EQ(refused.status, 422);
  EXPECT_NE(refused.body.find(R"("pointer":"/role")"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find(R"("pointer":"/z")"), std::string::npos) << refused.body;
  EXPECT_EQ(call("POST", "/v1/keys", admin_key_, R"({"name":"turno-notte","role":"admin"})").status,
            409);
  const auto past =
      call("POST", "/v1/keys", admin_key_,
           R"({"name":"old","role":"auditor","expires_at":"2020-01-01T00:00:00+00:00"})");
  EXPECT_EQ(past.status, 422);
  EXPECT_NE(past.body.find(R"("pointer":"/expires_at")"), std::string::npos) << past.body;
  EXPECT_EQ(db_->count("api_keys"), before);

  // Revoked: refused within the key cache's bound (5 s), by any daemon.
  EXPECT_EQ(call("DELETE", "/v1/keys/turno-notte", admin_key_).status, 204);
  EXPECT_EQ(call("DELETE", "/v1/keys/turno-notte", admin_key_).status, 404);
  EXPECT_TRUE(wait_until([&] { return call("GET", "/v1/keys", key).status == 401; }, seconds(30)));
  EXPECT_EQ(db_->scalar("SELECT string_agg(kind, ',' ORDER BY id) FROM audit_events"
                        " WHERE kind LIKE 'key.%' AND detail->>'name' = 'turno-notte'"),
            "key.created,key.revoked");
}

TEST_F(RolesE2E, EveryAlertOperationAnswers404ForAnUnknownAlert) {
  start_daemon();
  const std::string unknown = "/v1/alerts/6f1c2b7e-8a51-4d36-9d3c-0a4f7e0b9c21";
  EXPECT_EQ(call("GET", unknown, api_key_).status, 404);
  EXPECT_EQ(call("POST", unknown + "/cancel", api_key_).status, 404);
  EXPECT_EQ(call("POST", unknown + "/retry", api_key_).status, 404);
}

// The published OpenAPI document, taken at its word: each operation it lists is served;
// without a key one that needs a key answers 401; a key of each role it does not list
// answers 403, and a public operation answers neither 404 nor 405.
TEST_F(RolesE2E, TheServedOpenApiDocumentMatchesWhatEachRoleMayCall) {
  start_daemon();
  const auto doc = http_request("GET", daemon_url_ + "/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  const auto api = boost::json::parse(doc.body).as_object();
  EXPECT_EQ(api.at("openapi").as_string(), "3.1.0");
  std::map<std::string, std::string> keys{{"operator", api_key("op-2", "operator")},
                                          {"scheduler", api_key("cron-2", "scheduler")},
                                          {"auditor", api_key("audit-2", "auditor")},
                                          {"admin", admin_key_}};
  int operations = 0;
  for (const auto& [pattern, methods] : api.at("paths").as_object()) {
    // Path parameters filled with values of the right shape.
    std::string path(pattern);
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"{id}", "00000000-0000-4000-8000-000000000000"},
             {"{channel}", "telegram-main"},
             {"{address}", "%2B393330000000"},
             {"{name}", "nobody"},
             {"{pseudonym}", "sub:00000000000000000000000000000000"},
             {"{file}", "console.js"}}) {
      if (auto at = path.find(from); at != std::string::npos) path.replace(at, from.size(), to);
    }
    if (pattern == "/v1/deliveries/{id}/retry") path = "/v1/deliveries/1/retry";
    for (const auto& [method_lower, op] : methods.as_object()) {
      std::string method(method_lower);
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      const auto& roles = op.as_object().at("x-araldo-roles").as_array();
      const auto anonymous = http_request(method, daemon_url_ + path);
      ++operations;
      if (roles.empty() && pattern.starts_with("/webhooks/")) {
        // A served route (a POST without a body is refused by media type first): the
        // channel of the base config simply takes no webhooks.
        EXPECT_TRUE(anonymous.status == 415 ||
                    anonymous.body.find("takes no webhooks") != std::string::npos)
            << method << " " << path << " " << anonymous.body;
        continue;
      }
      if (roles.empty()) {
        // Served: the router's own 404 names no endpoint; a handler's 404 (no such public
        // alert) is an answer.
        EXPECT_EQ(anonymous.body.find("no such endpoint"), std::string::npos)
            << method << " " << path;
        EXPECT_NE(anonymous.status, 405) << method << " " << path;
        continue;
      }
      EXPECT_EQ(anonymous.status, 401) << method << " " << path << " " << anonymous.body;
      for (const auto& [role, key] : keys) {
        const bool allowed = std::any_of(roles.begin(), roles.end(),
                                         [&](const auto& r) { return r.as_string() == role; });
        if (allowed) continue;
        const auto refused = http_request(method, daemon_url_ + path, bearer(key));
        EXPECT_EQ(refused.status, 403) << method << " " << path << " as " << role;
      }
    }
  }
  EXPECT_GE(operations, 25);
}
