// The log a page at a time: alerts newest first and audit events in chain order, filtered,
// with cursors that follow the filters and cannot be forged.
#include <boost/json.hpp>
#include <set>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

std::string alert(const std::string& severity, const std::string& headline) {
  return R"({"headline":")" + headline + R"(","event":"Flood","category":"Met","severity":")" +
         severity + R"(","urgency":"Expected","certainty":"Likely","channels":["telegram-main"]})";
}

}  // namespace

class ListingE2E : public DaemonTest {
 protected:
  HttpResult get(const std::string& path, const std::string& key) {
    return http_request("GET", daemon_url_ + path, {{"Authorization", "Bearer " + key}});
  }
  std::string post(const std::string& body, const std::string& key) {
    const auto r = http_request(
        "POST", daemon_url_ + "/v1/alerts",
        {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}}, body);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? std::string(boost::json::parse(r.body).at("id").as_string()) : "";
  }
  // Follows `next` from `path` to the end; the ids in order.
  std::vector<std::string> all_pages(const std::string& path, const std::string& key,
                                     const char* list, const char* id = "id") {
    std::vector<std::string> ids;
    std::string next = path;
    for (int page = 0; !next.empty() && page < 100; ++page) {
      const auto r = get(next, key);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const auto doc = boost::json::parse(r.body).as_object();
      for (const auto& item : doc.at(list).as_array()) {
        const auto& v = item.at(id);
        ids.push_back(v.is_string() ? std::string(v.as_string())
                                    : std::to_string(v.to_number<long long>()));
      }
      next = doc.contains("next") ? std::string(doc.at("next").as_string()) : "";
    }
    return ids;
  }
};

TEST_F(ListingE2E, AlertsPageNewestFirstFilteredAndAsTheirRoleAllows) {
  start_daemon();
  const auto cron = create_key("cron", "scheduler");
  const auto auditor = create_key("auditors", "auditor");
  std::vector<std::string> sent;
  for (int i = 0; i < 3; ++i)
    sent.push_back(post(alert("Severe", "piena " + std::to_string(i)), api_key_));
  for (int i = 0; i < 2; ++i)
    sent.push_back(post(alert("Minor", "prova " + std::to_string(i)), cron));

  // Two at a time, newest first, every alert once.
  const auto pages = all_pages("/v1/alerts?limit=2", auditor, "alerts");
  ASSERT_EQ(pages.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(pages.rbegin(), pages.rend()), sent);
  // Filters, with a cursor that carries them.
  EXPECT_EQ(all_pages("/v1/alerts?severity=Minor&limit=1", auditor, "alerts").size(), 2u);
  EXPECT_EQ(all_pages("/v1/alerts?severity=Severe&severity=Extreme", auditor, "alerts").size(), 3u);
  EXPECT_EQ(all_pages("/v1/alerts?submitted_by=e2e", auditor, "alerts").size(), 3u);
  // Query values are percent-decoded: an offset's '+' arrives as %2B.
  EXPECT_EQ(
      all_pages("/v1/alerts?since=2000-01-01T00%3A00%3A00%2B01%3A00", auditor, "alerts").size(),
      5u);
  EXPECT_EQ(all_pages("/v1/alerts?channel=telegram-main&state=active", auditor, "alerts").size(),
            5u);
  EXPECT_EQ(all_pages("/v1/alerts?since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z", auditor,
                      "alerts")
                .size(),
            0u);
  // A scheduler lists only its own.
  const auto own = all_pages("/v1/alerts", cron, "alerts");
  EXPECT_EQ(std::set<std::string>(own.begin(), own.end()),
            std::set<std::string>(sent.begin() + 3, sent.end()));
  EXPECT_EQ(get("/v1/alerts?submitted_by=e2e", cron).status, 400);
}

TEST_F(ListingE2E, ACursorThatIsForgedOrFromAnotherQueryIsRefusedByName) {
  start_daemon();
  for (int i = 0; i < 3; ++i) post(alert("Severe", "piena"), api_key_);
  const auto first = get("/v1/alerts?severity=Severe&limit=1", api_key_);
  ASSERT_EQ(first.status, 200);
  const std::string next(boost::json::parse(first.body).at("next").as_string());
  const auto cursor = next.substr(next.find("cursor=") + 7);
  for (const auto& [path, says] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/alerts?severity=Minor&cursor=" + cursor, "another query"},
           {"/v1/alerts?severity=Severe&cursor=x" + cursor, "not one this server"},
           {"/v1/alerts?cursor=abc.def", "not one this server"},
           {"/v1/alerts?limit=0", "1 to 500"},
           {"/v1/alerts?limit=2&limit=3", "given twice"},
           {"/v1/alerts?severity=Huge", "not one of"},
           {"/v1/alerts?since=yesterday", "a time such as"},
           {"/v1/alerts?colour=red", "unknown parameter"}}) {
    const auto r = get(path, api_key_);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.body.find(says), std::string::npos) << path << ": " << r.body;
    EXPECT_NE(r.body.find(R"("parameter")"), std::string::npos) << r.body;
  }
}

TEST_F(ListingE2E, AuditEventsInChainOrderByAlertKindAndActor) {
  start_daemon();
  const auto auditor = create_key("auditors", "auditor");
  const auto id = post(alert("Severe", "piena"), api_key_);
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }));
  // Sealed shortly after: then every event has its leaf.
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM audit_events") ==
           db_->scalar("SELECT count(*) FROM audit_leaves");
  }));
  const auto ids = all_pages("/v1/audit?alert_id=" + id + "&limit=2", auditor, "events");
  EXPECT_EQ(std::to_string(ids.size()),
            db_->scalar("SELECT count(*) FROM audit_events WHERE alert_id = '" + id + "'"));
  const auto r = get("/v1/audit?alert_id=" + id, auditor);
  const auto events = boost::json::parse(r.body).at("events").as_array();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.at(0).at("kind").as_string(), "alert.accepted");
  EXPECT_EQ(events.at(0).at("actor").as_string(), "e2e");
  long long last_seq = -1;
  for (const auto& e : events) {  // chain order is leaf order
    ASSERT_TRUE(e.at("seq").is_number()) << boost::json::serialize(e);
    EXPECT_GT(e.at("seq").to_number<long long>(), last_seq);
    last_seq = e.at("seq").to_number<long long>();
  }
  EXPECT_EQ(all_pages("/v1/audit?kind=delivery.sent&alert_id=" + id, auditor, "events").size(), 2u);
  EXPECT_EQ(all_pages("/v1/audit?actor=nobody", auditor, "events").size(), 0u);
  EXPECT_EQ(get("/v1/audit?alert_id=not-a-uuid", auditor).status, 400);
  EXPECT_EQ(get("/v1/audit", create_key("cron", "scheduler")).status, 403);
}

// What each message was: its text, the platform's id, and when it was made, first tried
// and finished; filtered by state (one or more), alert, channel, target and time.
TEST_F(ListingE2E, DeliveriesCarryTheTextSentThePlatformIdAndTheirTimes) {
  start_daemon();
  const auto id = post(alert("Severe", "piena del Seveso"), api_key_);
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }));
  const auto auditor = create_key("auditors", "auditor");
  const auto r = get("/v1/deliveries?state=sent&state=failed&alert_id=" + id, auditor);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto list = boost::json::parse(r.body).at("deliveries").as_array();
  ASSERT_EQ(list.size(), 2u);
  for (const auto& d : list) {
    EXPECT_NE(std::string(d.at("text").as_string()).find("piena del Seveso"), std::string::npos);
    EXPECT_TRUE(d.at("platform_id").is_string()) << boost::json::serialize(d);
    EXPECT_TRUE(d.at("first_attempt_at").is_string()) << boost::json::serialize(d);
    EXPECT_TRUE(d.at("finished_at").is_string()) << boost::json::serialize(d);
    EXPECT_TRUE(d.at("created_at").is_string());
  }
  const std::string target(list.at(0).at("target").as_string());
  EXPECT_EQ(all_pages("/v1/deliveries?state=sent&limit=1", auditor, "deliveries").size(), 2u);
  EXPECT_EQ(all_pages("/v1/deliveries?state=sent&target=" + target, auditor, "deliveries").size(),
            1u);
  EXPECT_EQ(all_pages("/v1/deliveries?state=sent&channel=x-nowhere", auditor, "deliveries").size(),
            0u);
  EXPECT_EQ(all_pages("/v1/deliveries?state=sent&until=2000-01-01T00:00:00Z", auditor, "deliveries")
                .size(),
            0u);
  EXPECT_EQ(get("/v1/deliveries", auditor).status, 200);  // the dead letters: none
  EXPECT_EQ(get("/v1/deliveries?state=lost", auditor).status, 400);
  EXPECT_EQ(get("/v1/deliveries?alert_id=1&alert_id=2", auditor).status, 400);
}
