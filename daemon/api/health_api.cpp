#include "daemon/api/health_api.hpp"

#include <boost/json.hpp>

#include "daemon/http/problem.hpp"
#include "daemon/store/migrator.hpp"

namespace araldo::api {

http::Response healthz() {
  return http::Response::json(200, R"({"status":"ok"})");
}

http::Response readyz(store::Database& db, const std::function<bool()>& dispatcher_connected,
                      const ChannelStates& channels) {
  int version = 0;
  try {
    version = store::current_schema_version(db);
  } catch (const store::DatabaseUnavailable& e) {
    return http::service_unavailable(std::string("database unreachable: ") + e.what())
        .to_response();
  }
  const int expected = store::latest_migration_version();
  if (version != expected) {
    return http::service_unavailable("database schema is at version " + std::to_string(version) +
                                     ", this araldod needs " + std::to_string(expected) +
                                     ": run 'araldod migrate'")
        .to_response();
  }
  if (!dispatcher_connected()) {
    return http::service_unavailable("the dispatcher is not connected to the database yet")
        .to_response();
  }
  boost::json::object body{{"status", "ready"}, {"database", "ok"}, {"schema_version", version}};
  if (channels) {
    boost::json::object by_name;
    for (const auto& [name, health] : channels()) {
      boost::json::object c{{"state", health.state}};
      if (!health.reason.empty()) c["reason"] = health.reason;
      if (health.resumes_in_ms > 0) c["resumes_in_ms"] = health.resumes_in_ms;
      if (health.state == "stopped") body["status"] = "degraded";
      by_name[name] = std::move(c);
    }
    body["channels"] = std::move(by_name);
  }
  return http::Response::json(200, boost::json::serialize(body));
}

}  // namespace araldo::api
