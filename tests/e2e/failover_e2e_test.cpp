// PostgreSQL's own failover under a running dispatch (issue 23). A primary with a
// synchronous standby (deploy/pg-cluster.sh standby), two araldod on a multi-host URL with
// target_session_attrs=read-write. Mid-broadcast, with clients posting alerts, the primary
// is SIGKILLed (every one of its processes) and the standby promoted, as Patroni would.
// Nothing answered 202 is lost, nothing is accepted twice, intake answers 503 with
// Retry-After in the gap (never 202), the daemons find the new primary on their own, and a
// witness's kept head is extended consistently by the heads signed after. How long the
// gap lasted is printed, never asserted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/daemon_fixture.hpp"

using namespace araldo::test_support;
using namespace std::chrono;

namespace {

// A port nothing listens on now (the kernel's choice for port 0): fixed ports next to the
// test cluster's may be taken by another cluster on the machine.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

int cluster(const std::string& args) {
  return std::system((std::string(ARALDO_PG_CLUSTER) + " " + args + " >/dev/null").c_str());
}

const std::string kBroadcast =
    R"({"headline":"Allerta rossa: esondazione Seveso","event":"Flood","category":"Met",)"
    R"("severity":"Extreme","urgency":"Immediate","certainty":"Observed",)"
    R"("area":"Milano Niguarda","channels":["whatsapp-comune"]})";

}  // namespace

class FailoverE2E : public DaemonTest {
 protected:
  std::vector<std::string> extra_emulator_args() const override { return {"--no-rate-limits"}; }

  void SetUp() override {
    DaemonTest::SetUp();
    if (HasFatalFailure()) return;
    // Beside the shared test cluster, on two free ports: a pair of this test's own.
    primary_dir_ = std::string(ARALDO_TEST_PG_DIR) + "-primary";
    standby_dir_ = std::string(ARALDO_TEST_PG_DIR) + "-standby";
    primary_port_ = free_port();
    standby_port_ = free_port();
    ASSERT_NE(primary_port_, 0);
    ASSERT_NE(standby_port_, 0);
    ASSERT_NE(primary_port_, standby_port_);
    remove_pair();
    // fsync on: the pair's commits wait for the standby (--fast would turn that off too).
    ASSERT_EQ(cluster("start " + primary_dir_ + " " + std::to_string(primary_port_)), 0);
    ASSERT_EQ(cluster("standby " + standby_dir_ + " " + std::to_string(standby_port_) + " " +
                      std::to_string(primary_port_)),
              0);
    // One URL for the daemons and the test, naming both servers: libpq takes the first
    // that accepts writes.
    db_ = std::make_unique<TestDatabase>(
        /*migrate=*/false, "host=127.0.0.1,127.0.0.1 port=" + std::to_string(primary_port_) + "," +
                               std::to_string(standby_port_) +
                               " user=postgres dbname=postgres target_session_attrs=read-write");
  }

  void TearDown() override {
    DaemonTest::TearDown();
    remove_pair();
  }

  void remove_pair() {
    cluster("stop " + primary_dir_);
    cluster("stop " + standby_dir_);
    for (const auto& d : {primary_dir_, standby_dir_}) {
      std::filesystem::remove_all(d);
      std::filesystem::remove(d + ".initdb.log");
      std::filesystem::remove(d + ".basebackup.log");
    }
  }

  // A signed head covers every event written so far (events keep coming meanwhile).
  bool sealed_up_to_now() {
    const auto events = db_->count("audit_events");
    return wait_until(
        [&] {
          return std::stoll(db_->scalar("SELECT coalesce(max(tree_size), 0) FROM audit_heads")) >=
                 events;
        },
        seconds(60));
  }

  std::string primary_dir_, standby_dir_;
  int primary_port_ = 0, standby_port_ = 0;
};

TEST_F(FailoverE2E, SigkillThePrimaryPromoteTheStandbyAndEverythingAcceptedIsDelivered) {
  constexpr int recipients = 3'000;
  start_daemon(
      whatsapp_channel(emulator_url_, "    rate_limit: {per_minute: 6000000, burst: 100}\n") +
      "  telegram-fast:\n    type: telegram\n    base_url: " + emulator_url_ +
      "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['@allerta_comune']\n"
      "    group_interval_ms: 0\n    rate_limit: {per_minute: 6000000, burst: 100}\n");
  auto second = start_another_daemon();
  const auto second_url =
      second->wait_for_line(std::regex("event=http.listening url=(http://[0-9.:]+)"), seconds(5));
  ASSERT_TRUE(second_url);
  const std::vector<std::string> daemons{daemon_url_, (*second_url)[1]};
  ASSERT_EQ(import_subscribers("whatsapp-comune", subscribers_csv(recipients)).status, 200);
  // Every send takes 200 ms: the broadcast is still going when the primary dies.
  emulator_fault(R"({"platform":"whatsapp","latency_ms":200,"count":-1})");
  const auto broadcast = post_alert(kBroadcast);
  ASSERT_EQ(broadcast.status, 202) << broadcast.body;

  // Clients post alerts all along, to both daemons, each with its Idempotency-Key, and
  // send a refused one again (after 100 ms, sooner than Retry-After asks) until it is
  // accepted, as a cron job or a webhook would.
  struct Seen {
    std::mutex m;
    std::map<std::string, int> accepted;  // token → 202s (one: a client stops at the first)
    std::set<std::string> replayed;       // answered 202 as a replay
    int refused = 0, refused_without_retry_after = 0, other = 0;
    steady_clock::time_point first_202_after_kill{};
  } seen;
  std::atomic<bool> killed{false}, stop{false};
  steady_clock::time_point killed_at{};
  std::vector<std::thread> clients;
  // The clients stop and are joined however the test ends (an ASSERT returns early).
  struct StopClients {
    std::atomic<bool>& stop;
    std::vector<std::thread>& clients;
    ~StopClients() {
      stop = true;
      for (auto& c : clients) {
        if (c.joinable()) c.join();
      }
    }
  } stop_clients{stop, clients};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        char token[32];
        std::snprintf(token, sizeof token, "failover-%d-%05d", t, i);
        const std::string body = R"({"headline":")" + std::string(token) +
                                 R"(","event":"Flood","category":"Met","severity":"Severe",)"
                                 R"("urgency":"Immediate","certainty":"Observed",)"
                                 R"("channels":["telegram-fast"]})";
        for (int attempt = 0;; ++attempt) {
          const bool sent_after_kill = killed;
          const auto r = http_request("POST", daemons[(t + attempt) % 2] + "/v1/alerts",
                                      {{"Authorization", "Bearer " + api_key_},
                                       {"Content-Type", "application/json"},
                                       {"Idempotency-Key", token}},
                                      body);
          std::lock_guard lock(seen.m);
          if (r.status == 202) {
            ++seen.accepted[token];
            if (r.headers.find("Idempotent-Replayed")) seen.replayed.insert(token);
            if (sent_after_kill && seen.first_202_after_kill == steady_clock::time_point{}) {
              seen.first_202_after_kill = steady_clock::now();
            }
            break;
          }
          if (r.status == 503) {
            ++seen.refused;
            if (!r.headers.find("Retry-After")) ++seen.refused_without_retry_after;
          } else {
            ++seen.other;
            ADD_FAILURE() << token << " answered " << r.status << ": " << r.body;
            break;
          }
          std::this_thread::sleep_for(milliseconds(100));
        }
        std::this_thread::sleep_for(milliseconds(20));
      }
    });
  }

  ASSERT_TRUE(
      wait_until([&] { return emulator_accepted("whatsapp") >= recipients / 3; }, seconds(300)));
  // A witness keeps a signed head before the failover.
  ASSERT_TRUE(sealed_up_to_now());
  const auto keep = (dir_ / "heads.jsonl").string();
  auto [status, out] = audit_watch(keep);
  ASSERT_EQ(status, 0) << out;

  ASSERT_EQ(cluster("crash " + primary_dir_), 0);
  killed_at = steady_clock::now();
  killed = true;
  // The gap: no server accepts writes. Intake refuses, never accepts.
  const auto during = post_alert(R"({"headline":"Durante il failover","event":"Flood",)"
                                 R"("category":"Met","severity":"Severe","urgency":"Immediate",)"
                                 R"("certainty":"Observed","channels":["telegram-fast"]})");
  EXPECT_EQ(during.status, 503) << during.body;
  EXPECT_EQ(during.headers.find("Retry-After").value_or(""), "2");
  EXPECT_EQ(http_request("GET", daemon_url_ + "/readyz").status, 503);
  std::this_thread::sleep_for(seconds(1));  // a failure detector's delay, shortened

  const auto promoted_at = steady_clock::now();  // the promotion starts
  ASSERT_EQ(cluster("promote " + standby_dir_), 0);
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(seen.m);
        return seen.first_202_after_kill != steady_clock::time_point{};
      },
      seconds(120)))
      << daemon_->output();
  std::this_thread::sleep_for(seconds(1));  // a little traffic on the new primary
  stop = true;
  for (auto& c : clients) c.join();

  // Everything accepted is delivered: the broadcast to every subscriber, each alert once.
  const auto expected_sent = std::to_string(recipients + seen.accepted.size());
  ASSERT_TRUE(wait_until(
      [&] {
        return db_->scalar("SELECT count(*) FROM deliveries WHERE state = 'sent'") == expected_sent;
      },
      seconds(300)))
      << db_->scalar(
             "SELECT string_agg(state || ':' || n, ',') FROM (SELECT state, count(*) n"
             " FROM deliveries GROUP BY state) s");
  EXPECT_EQ(db_->count("alerts"), static_cast<long long>(seen.accepted.size()) + 1)
      << "an alert accepted twice, or one nobody was told of";
  std::map<std::string, int> telegram;
  for (const auto& msg : emulator_messages("telegram")) {
    const std::string text(msg.at("text").as_string());
    const auto at = text.find("failover-");
    if (at != std::string::npos) ++telegram[text.substr(at, 16)];
  }
  for (const auto& [token, n] : seen.accepted) {
    EXPECT_GE(telegram[token], 1) << token << " accepted and never sent";
  }
  std::map<std::string, int> whatsapp;
  for (const auto& m : emulator_messages("whatsapp"))
    ++whatsapp[std::string(m.at("to").as_string())];
  long long duplicates = 0;
  for (const auto& [to, n] : whatsapp) duplicates += n - 1;
  for (const auto& [token, n] : telegram) duplicates += n - 1;
  EXPECT_EQ(whatsapp.size(), static_cast<std::size_t>(recipients));  // zero lost
  // What can go out twice is what a daemon held claimed when its lease ran out in the gap
  // and another took it over: each such takeover is audited.
  const auto reclaimed =
      std::stoll(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'delivery.claimed'"
                             " AND (detail->>'reclaimed_expired_lease')::boolean"));
  EXPECT_LE(duplicates, reclaimed);
  EXPECT_EQ(seen.refused_without_retry_after, 0);
  EXPECT_EQ(seen.other, 0);

  // The audit log goes on on the new primary: the witness's kept head is extended.
  ASSERT_TRUE(sealed_up_to_now());
  std::tie(status, out) = audit_watch(keep);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("which extends"), std::string::npos) << out;
  // Both daemons lost the database and found the new primary by themselves.
  EXPECT_NE(daemon_->output().find("event=dispatcher.db_lost"), std::string::npos);
  EXPECT_NE(second->output().find("event=dispatcher.db_lost"), std::string::npos);
  // libpq's multi-line errors (one line per host tried) stay on their log line.
  std::istringstream log(daemon_->output());
  int host_errors = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("port " + std::to_string(primary_port_) + " failed") == std::string::npos)
      continue;
    ++host_errors;
    EXPECT_TRUE(line.starts_with("ts=")) << line;
  }
  EXPECT_GT(host_errors, 0);

  const auto ms = [](auto d) {
    return static_cast<long long>(duration_cast<milliseconds>(d).count());
  };
  std::printf(
      "failover: %zu alerts accepted (%zu as replays), %d answers 503 with Retry-After in the "
      "gap; kill to promote %lld ms, promote to first 202 %lld ms, kill to first 202 %lld ms; "
      "broadcast %d recipients, duplicates %lld (reclaimed leases %lld)\n",
      seen.accepted.size(), seen.replayed.size(), seen.refused, ms(promoted_at - killed_at),
      ms(seen.first_202_after_kill - promoted_at), ms(seen.first_202_after_kill - killed_at),
      recipients, duplicates, reclaimed);
  second->signal(SIGTERM);
  EXPECT_EQ(second->wait(seconds(20)).value_or(-1), 0) << second->output();
}
