// The fault matrix: each of the four platforms × each class of answer × each store fault,
// through the real plugins' classifiers, delivery::plan() and PgDeliveryQueue on
// PostgreSQL. Every delivery reaches a final state or a scheduled retry, and the other
// deliveries of the batch (and a later alert) go on. States and counts, never durations.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "daemon/delivery/lifecycle.hpp"
#include "daemon/delivery/storable.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/database_unavailable.hpp"
#include "daemon/store/pg_delivery_queue.hpp"
#include "tests/support/channel_support.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;
using namespace std::chrono;
using channels::Answer;
using channels::HttpReply;
using channels::TransportError;

namespace {

struct Platform {
  std::string type, yaml, success_body;
  long success_status = 200;
};

const std::vector<Platform> platforms{
    {"telegram",
     "{type: telegram, base_url: 'http://127.0.0.1:9', bot_token: '555:AAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAA', chats: ['-4001']}",
     R"({"ok":true,"result":{"message_id":5}})"},
    {"x",
     "{type: x, base_url: 'http://127.0.0.1:9', account: '@Comune', consumer_key: ck,"
     " consumer_secret: cs, access_token: '1-at', access_token_secret: ats}",
     R"({"data":{"id":"1860000000000000001","text":"t"}})", 201},
    {"facebook",
     "{type: facebook, base_url: 'http://127.0.0.1:9', page_id: '104857600',"
     " page_access_token: EAAPageToken, app_secret: fb-app-s3cret-0123}",
     R"({"id":"104857600_1"})"},
    {"whatsapp",
     "{type: whatsapp, base_url: 'http://127.0.0.1:9', phone_number_id: '1055555',"
     " access_token: EAAWaToken, app_secret: wa-app-s3cret-0123, language: it,"
     " template: {name: allerta_comune, parameters: 4, languages: {it: it}}}",
     R"({"messaging_product":"whatsapp","contacts":[{"input":"393331","wa_id":"393331"}],)"
     R"("messages":[{"id":"wamid.HBgLMzkzMzMx"}]})"},
};

HttpReply reply(long status, std::string body, http::Headers headers = {}) {
  return {status, std::move(headers), std::move(body)};
}

// One answer of each class, as any of the four platforms could send it.
std::vector<std::pair<std::string, Answer>> answers(const Platform& p) {
  std::string nul_text = R"(bad \u0000 byte )";
  for (int i = 0; i < 200; ++i) nul_text += "and more text ";
  http::Headers retry_after;
  retry_after.set("Retry-After", "3");
  return {
      {"success", reply(p.success_status, p.success_body)},
      {"retry_after",
       reply(429, R"({"ok":false,"error_code":429,"parameters":{"retry_after":3}})", retry_after)},
      {"5xx", reply(503, "{}")},
      {"timeout", TransportError{TransportError::Kind::timeout, "timed out after 15000 ms"}},
      {"reset", TransportError{TransportError::Kind::reset, "connection reset by peer"}},
      {"malformed_json", reply(200, "{not json")},
      {"unexpected_200", reply(200, "<html>captive portal</html>")},
      {"permanent_4xx", reply(400, R"({"ok":false,"error_code":400,"description":"Bad"})")},
      {"moved", reply(400, R"({"ok":false,"error_code":400,"description":"Bad Request: group )"
                           R"(chat was upgraded","parameters":{"migrate_to_chat_id":-1004001}})")},
      {"unstorable_text",
       reply(400, R"({"ok":false,"error_code":400,"description":")" + nul_text + R"(","detail":")" +
                      nul_text + R"(","error":{"message":")" + nul_text + R"(","code":100}})")},
  };
}

// libpqxx 6.4 leaks libpq's result of a statement the server cut off by terminating the
// connection (about 2 KiB per lost connection, in libpq's PQmakeEmptyPGresult): not ours to
// fix, so LeakSanitizer is told to ignore what is allocated while the connection dies.
struct IgnoreLeaks {
#if defined(__SANITIZE_ADDRESS__)
  IgnoreLeaks() {
    __lsan_disable();
  }
  ~IgnoreLeaks() {
    __lsan_enable();
  }
#endif
};

enum class StoreFault { none, refused_row, connection_lost };
const char* name(StoreFault f) {
  return f == StoreFault::none ? "none" : f == StoreFault::refused_row ? "refused_row" : "lost";
}

model::Alert an_alert() {
  model::Alert a;
  a.headline = "h";
  a.event = "e";
  a.categories = {"Met"};
  a.severity = "Severe";
  a.urgency = "Immediate";
  a.certainty = "Observed";
  a.language = "it";
  return a;
}

// One alert of three deliveries to `channel`: "-4001" (the one under test), "-4002", and
// "poison-4003", which the refused_row fault makes the database refuse to record.
void insert(pqxx::connection& c, const std::string& channel, const std::string& type) {
  std::vector<store::NewDelivery> d;
  for (const char* t : {"-4001", "-4002", "poison-4003"})
    d.push_back({channel, type, t, {{"it", "t"}}});
  store::insert_alert(c, an_alert(), d, {}, "ops");
}

}  // namespace

TEST(FaultMatrix, EveryPlatformAnswerAndStoreFaultEndsInAFinalStateOrAScheduledRetry) {
  test_support::TestDatabase db;
  pqxx::connection c(db.dsn());
  // A value the database refuses, as a constraint would: recording poison-4003 as anything
  // but failed.
  db.exec(
      "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
      "  IF NEW.target LIKE 'poison%' AND OLD.state = 'sending' AND NEW.state <> 'failed'"
      "     AND EXISTS (SELECT 1 FROM poisoned WHERE channel = NEW.channel) THEN"
      "    RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation';"
      "  END IF; RETURN NEW; END $$;"
      "CREATE TABLE poisoned (channel text PRIMARY KEY);"
      "CREATE TRIGGER refuse_poison BEFORE UPDATE ON deliveries"
      "  FOR EACH ROW EXECUTE FUNCTION refuse_poison();");
  store::PgDeliveryQueue queue(config::Secret(db.dsn()), test_support::test_pseudonyms);
  queue.open();
  const delivery::PacedClaimRate rate{{1e6, 1e6}, seconds(1)};
  int combination = 0;
  for (const auto& platform : platforms) {
    const auto plugin = test_support::make_channel(platform.type, platform.yaml);
    for (const auto& [answer_name, answer] : answers(platform)) {
      for (const auto fault :
           {StoreFault::none, StoreFault::refused_row, StoreFault::connection_lost}) {
        const std::string channel = "m" + std::to_string(++combination);
        SCOPED_TRACE(platform.type + " × " + answer_name + " × " + name(fault));
        insert(c, channel, platform.type);
        if (fault == StoreFault::refused_row) {
          pqxx::nontransaction(c).exec_params0("INSERT INTO poisoned VALUES ($1)", channel);
        }
        auto claimed = queue.claim("w", 10, seconds(60), channel, rate, hours(24)).claimed;
        ASSERT_EQ(claimed.size(), 3u);
        std::vector<delivery::AttemptRecord> records;
        for (const auto& d : claimed) {
          // The delivery under test gets the answer; the others are delivered.
          const Answer a = d.target == "-4001" ? answer : answers(platform).front().second;
          const auto outcome = delivery::storable(plugin->classify(a));
          auto rec = delivery::record_for(d);
          rec.outcome = std::string(channels::to_string(outcome.kind));
          if (!outcome.platform_id.empty()) rec.platform_id = outcome.platform_id;
          rec.effects = delivery::plan(d, outcome, {}, 0.5, milliseconds(5));
          if (!rec.effects.reason.empty()) rec.error = rec.effects.reason;
          records.push_back(std::move(rec));
        }
        if (fault == StoreFault::connection_lost) {
          // The queue's connection dies mid-turn: the records wait, nothing is lost.
          pqxx::nontransaction(c).exec(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
              " WHERE datname = current_database() AND pid <> pg_backend_pid()");
          const IgnoreLeaks ignore;
          EXPECT_THROW(queue.record("w", records), store::DatabaseUnavailable);
          queue.close();
          queue.open();
        }
        const auto recorded = queue.record("w", records);
        ASSERT_EQ(recorded.size(), 3u);
        for (std::size_t i = 0; i < records.size(); ++i) {
          EXPECT_TRUE(recorded[i].written) << records[i].target;
          const bool poisoned =
              fault == StoreFault::refused_row && records[i].target.starts_with("poison");
          EXPECT_EQ(recorded[i].refused.has_value(), poisoned) << records[i].target;
        }
        pqxx::read_transaction tx(c);
        for (const auto& row :
             tx.exec_params("SELECT target, state, next_attempt_at > now(), last_error,"
                            " platform_id FROM deliveries WHERE channel = $1",
                            channel)) {
          const auto target = row[0].as<std::string>();
          const auto state = row[1].as<std::string>();
          SCOPED_TRACE(target + " " + state);
          // Final, or a retry with its time: never left sending or stalled.
          EXPECT_TRUE(state == "sent" || state == "failed" || state == "cancelled" ||
                      (state == "retrying" && !row[2].is_null()));
          if (state == "sent") {
            EXPECT_FALSE(row[4].is_null());
          }
          if (state == "failed" || state == "cancelled") {
            EXPECT_FALSE(row[3].is_null());
          }
          if (target.starts_with("poison")) {
            EXPECT_EQ(state, fault == StoreFault::refused_row ? "failed" : "sent");
          } else if (target == "-4002") {
            EXPECT_EQ(state, "sent");
          }
          if (!row[3].is_null()) {
            EXPECT_LE(row[3].size(), delivery::max_reason_bytes + 600);
          }
        }
        if (answer_name == "moved" && platform.type == "telegram") {
          // -1004001 is not among this alert's targets: it moved there.
          EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM deliveries WHERE channel = $1"
                                    " AND target = '-1004001' AND state = 'retrying'",
                                    channel)[0]
                        .as<int>(),
                    1);
        }
      }
    }
  }
  // After all of it, nothing is held and a new alert is claimed and recorded as usual.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM deliveries WHERE state = 'sending'"), "0");
  insert(c, "after", "telegram");
  const auto last = queue.claim("w", 10, seconds(60), "after", rate, hours(24)).claimed;
  EXPECT_EQ(last.size(), 3u);
  // Every refusal is audited with what the database said.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.failed'"
                      " AND detail->>'reason' LIKE '%refused for the test%'"),
            std::to_string(platforms.size() * answers(platforms[0]).size()));
}
