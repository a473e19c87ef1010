// An audience larger than alerts.inline_fanout_limit is accepted as a rule and written
// after the 202 (store/fanout_store.hpp): every subscriber gets the alert once, the status
// says how far the writing is, the audit log says how it ended, and a cancel stops what
// is not written yet.
#include <set>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

const std::string kAlert =
    R"({"headline":"Allerta rossa: esondazione Seveso","event":"Flood","category":"Met",)"
    R"("severity":"Extreme","urgency":"Immediate","certainty":"Observed",)"
    R"("area":"Milano","instruction":"Salire ai piani alti.","channels":["whatsapp-comune"]})";

class LargeAudienceE2E : public DaemonTest {
 protected:
  std::vector<std::string> extra_emulator_args() const override { return {"--no-rate-limits"}; }
  // 1,000 subscribers are "large" here: written 150 at a time, at most 300 ahead.
  std::string alert_settings() const override {
    return "inline_fanout_limit: 100, fanout_chunk: 150";
  }

  void SetUp() override {
    DaemonTest::SetUp();
    start_daemon(whatsapp_channel(emulator_url_, "    rate_limit: {per_minute: 6000000}\n"));
    const auto imported = import_subscribers("whatsapp-comune", subscribers_csv(kSubscribers));
    ASSERT_EQ(imported.status, 200) << imported.body;
  }

  std::string post() {
    const auto r = post_alert(kAlert);
    EXPECT_EQ(r.status, 202) << r.body;
    const auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("deliveries").as_int64(), kSubscribers);  // the whole audience
    return std::string(body.at("id").as_string());
  }

  // The status's record of the audience written after acceptance.
  boost::json::object progress(const std::string& id) {
    const auto alert = get_alert(id);
    const auto* later = alert.if_contains("written_after_acceptance");
    if (!later || later->as_array().size() != 1) return {};
    return later->as_array()[0].as_object();
  }

  static constexpr int kSubscribers = 1000;
};

TEST_F(LargeAudienceE2E, EverySubscriberGetsTheAlertOnceAndTheAuditSaysHowTheWritingEnded) {
  const auto id = post();
  ASSERT_TRUE(
      wait_until([&] { return emulator_accepted("whatsapp") >= kSubscribers; }, seconds(120)))
      << emulator_accepted("whatsapp") << "\n"
      << daemon_->output();
  std::set<std::string> to;
  for (const auto& m : emulator_messages("whatsapp"))
    to.insert(std::string(m.at("to").as_string()));
  EXPECT_EQ(to.size(), static_cast<std::size_t>(kSubscribers));
  ASSERT_TRUE(wait_until([&] { return progress(id).contains("outcome"); }));
  const auto p = progress(id);
  EXPECT_EQ(p.at("channel"), "whatsapp-comune");
  EXPECT_EQ(p.at("audience").as_int64(), kSubscribers);
  EXPECT_EQ(p.at("written").as_int64(), kSubscribers);
  EXPECT_EQ(p.at("outcome"), "written");
  EXPECT_EQ(db_->scalar("SELECT detail->>'outcome' || ' ' || (detail->>'written')"
                        " FROM audit_events WHERE kind = 'alert.fanout_finished'"),
            "written 1000");
  EXPECT_EQ(db_->scalar("SELECT detail->'written_after_acceptance'->>'whatsapp-comune'"
                        " FROM audit_events WHERE kind = 'alert.accepted'"),
            "1000");
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM deliveries WHERE state = 'sent'") == "1000";
  }));
}

TEST_F(LargeAudienceE2E, ACancelStopsTheWritingAndNothingIsLeftPending) {
  // Every send takes a second: the writing waits for sending, well short of the audience.
  emulator_fault(R"({"platform":"whatsapp","latency_ms":1000,"count":-1})");
  const auto id = post();
  ASSERT_TRUE(wait_until([&] { return progress(id).at("written").as_int64() >= 150; }))
      << daemon_->output();
  const auto cancelled = http_request("POST", daemon_url_ + "/v1/alerts/" + id + "/cancel",
                                      {{"Authorization", "Bearer " + api_key_}});
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  emulator_clear_faults();  // what goes now (the Cancel to who had it) need not wait
  ASSERT_TRUE(wait_until([&] { return progress(id).contains("outcome"); }, seconds(30)));
  const auto p = progress(id);
  EXPECT_EQ(p.at("outcome"), "cancelled");
  EXPECT_LT(p.at("written").as_int64(), kSubscribers);
  // Whatever was written is sent (in flight at the cancel) or cancelled; nothing waits.
  ASSERT_TRUE(wait_until(
      [&] {
        return db_->scalar(
                   "SELECT count(*) FROM deliveries WHERE state NOT IN"
                   " ('sent', 'cancelled')") == "0";
      },
      seconds(30)));
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE alert_id = '" + id + "'"),
            std::to_string(p.at("written").as_int64()));
  // Who had it is told it is cancelled (a Cancel of its own); nobody else is.
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM deliveries WHERE alert_id <> '" + id + "'"),
            db_->scalar("SELECT count(*) FROM deliveries WHERE alert_id = '" + id +
                        "' AND state = 'sent'"));
  EXPECT_EQ(db_->scalar("SELECT detail->>'outcome' FROM audit_events"
                        " WHERE kind = 'alert.fanout_finished'"),
            "cancelled");
}

}  // namespace
