// /metrics needs no key, so its database figures come from a snapshot read at most once
// per refresh interval: however often anyone scrapes, the aggregate queries do not run
// more often than that.
#include <gtest/gtest.h>

#include "daemon/api/metrics_api.hpp"
#include "daemon/metrics/araldo_metrics.hpp"
#include "daemon/store/api_key_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

std::string unsealed(api::MetricsApi& metrics) {
  http::Request request;
  api::PathParams params;
  api::Caller anonymous{"anonymous"};
  const auto body = metrics.scrape({request, params, anonymous}).body;
  const std::string name = "\naraldo_audit_unsealed_events ";
  const auto at = body.find(name);
  if (at == std::string::npos) return "absent";
  return body.substr(at + name.size(), body.find('\n', at + 1) - at - name.size());
}

}  // namespace

TEST(MetricsSnapshot, ScrapesWithinTheRefreshIntervalShareOneReadingOfTheDatabase) {
  test_support::TestDatabase db;
  store::Database database(config::Secret(db.dsn()), 2);
  const api::ChannelStates no_channels = [] { return std::map<std::string, api::ChannelState>{}; };
  metrics::Registry cached_registry, fresh_registry;
  metrics::describe_all(cached_registry);
  metrics::describe_all(fresh_registry);
  api::MetricsApi cached(database, cached_registry, no_channels, std::chrono::hours(1));
  api::MetricsApi fresh(database, fresh_registry, no_channels, std::chrono::milliseconds(0));
  EXPECT_EQ(unsealed(cached), "0");
  EXPECT_EQ(unsealed(fresh), "0");

  // An audit event the sequencer has not sealed (none runs here).
  store::audit_access_denied(database, "someone", "operator", "GET", "/v1/keys");
  EXPECT_EQ(unsealed(fresh), "1");   // read again
  EXPECT_EQ(unsealed(cached), "0");  // the hour is not over: the same reading
  EXPECT_EQ(unsealed(cached), "0");
}

// With metrics.bearer_token, /metrics answers only the scraper that sends it.
TEST(MetricsSnapshot, ABearerTokenKeepsTheFiguresFromAnyoneWithoutIt) {
  test_support::TestDatabase db;
  store::Database database(config::Secret(db.dsn()), 1);
  const api::ChannelStates no_channels = [] { return std::map<std::string, api::ChannelState>{}; };
  metrics::Registry registry;
  metrics::describe_all(registry);
  api::MetricsApi guarded(database, registry, no_channels, std::chrono::seconds(1),
                          config::Secret("metrics-token-0123456789"));
  const auto scrape = [&](const std::string& authorization) {
    http::Request request;
    if (!authorization.empty()) request.headers.add("Authorization", authorization);
    api::PathParams params;
    api::Caller anonymous{"anonymous"};
    return guarded.scrape({request, params, anonymous});
  };
  const auto none = scrape("");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers.find("WWW-Authenticate").value_or(""), "Bearer realm=\"araldo-metrics\"");
  EXPECT_EQ(none.body.find("araldo_"), std::string::npos);
  EXPECT_EQ(scrape("Bearer metrics-token-012345678").status, 401);
  const auto ok = scrape("Bearer metrics-token-0123456789");
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("araldo_audit_unsealed_events"), std::string::npos);
}
