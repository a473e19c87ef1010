// Refused webhooks become one audit event per channel and window, never one per request;
// a window the database cannot take is kept and written later, nothing lost.
#include <gtest/gtest.h>

#include <thread>

#include "daemon/inbound/refusal_tally.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;

namespace {

std::string summaries(const test_support::TestDatabase& db) {
  return db.scalar(
      "SELECT string_agg(detail->>'channel' || ':' || (detail->>'refused') || ':' ||"
      " (detail->'verdicts')::text, ' ' ORDER BY detail->>'channel', id) FROM audit_events"
      " WHERE kind = 'webhook.refused_summary'");
}

}  // namespace

TEST(RefusalTally, AWindowOfRefusalsIsOneAuditEventPerChannel) {
  test_support::TestDatabase db;
  store::Database database(config::Secret(db.dsn()), 1);
  inbound::RefusalTally tally(database, std::chrono::seconds(3600));
  for (int i = 0; i < 1000; ++i) tally.count("whatsapp-comune", "bad_signature");
  tally.count("whatsapp-comune", "unsigned");
  tally.count("telegram-citizens", "bad_secret_token");
  EXPECT_EQ(tally.flush(), 0);  // the hour has not ended: nothing yet
  EXPECT_EQ(db.count("audit_events"), 0);
  EXPECT_EQ(tally.flush(true), 2);  // as at shutdown
  EXPECT_EQ(summaries(db),
            "telegram-citizens:1:{\"bad_secret_token\": 1} "
            "whatsapp-comune:1001:{\"unsigned\": 1, \"bad_signature\": 1000}");
  EXPECT_EQ(tally.flush(true), 0);  // written once
}

TEST(RefusalTally, AnEndedWindowIsWrittenAndOneTheDatabaseRefusedIsKept) {
  test_support::TestDatabase db;
  store::Database database(config::Secret(db.dsn()), 1);
  inbound::RefusalTally tally(database, std::chrono::seconds(1));
  tally.count("whatsapp-comune", "malformed");
  // The one-second window ends; the deadline is for a loaded machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int written = 0;
  while (written == 0 && std::chrono::steady_clock::now() < deadline) {
    written = tally.flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(written, 1);
  EXPECT_EQ(summaries(db), "whatsapp-comune:1:{\"malformed\": 1}");

  // The log cannot be written: the counts wait, and join what comes meanwhile.
  inbound::RefusalTally hourly(database, std::chrono::seconds(3600));
  db.exec("ALTER TABLE audit_events RENAME TO audit_events_away");
  hourly.count("whatsapp-comune", "unsigned");
  EXPECT_EQ(hourly.flush(true), 0);
  db.exec("ALTER TABLE audit_events_away RENAME TO audit_events");
  hourly.count("whatsapp-comune", "unsigned");
  EXPECT_EQ(hourly.flush(true), 1);
  EXPECT_EQ(summaries(db),
            "whatsapp-comune:1:{\"malformed\": 1} whatsapp-comune:2:{\"unsigned\": 2}");
}
