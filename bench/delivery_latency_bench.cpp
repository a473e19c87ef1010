// Measures what an operator feels: how long POST /v1/alerts takes, and how long until the
// platform (the emulator, no rate limits) has the message; then a burst's throughput.
// Run through bench/run-bench.sh, which starts PostgreSQL and passes the binaries.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <thread>
#include <vector>

#include "bench/bench_support.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo::test_support;
using namespace std::chrono;
using araldo::bench::fail;
using araldo::bench::now_ms;
using araldo::bench::pct;

namespace {
const std::string token = "7000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX";
const std::string alert =
    R"({"headline":"Allerta meteo","event":"Storm","category":"Met","severity":"Severe",)"
    R"("urgency":"Immediate","certainty":"Likely","description":"Forti temporali.","web":"https://x.example/?id=)";

boost::json::array received(const std::string& emulator) {
  return boost::json::parse(http_request("GET", emulator + "/_emulator/telegram/messages").body)
      .as_object()
      .at("messages")
      .as_array();
}
}  // namespace

int main() {
  const std::string araldod = std::getenv("ARALDOD"), emulator_bin = std::getenv("ARALDO_EMULATOR");
  TestDatabase db(false);
  ChildProcess emulator(emulator_bin, {"--telegram-token", token, "--no-rate-limits"});
  auto em = emulator.wait_for_line(std::regex("listening on (http://[0-9.:]+)"), seconds(10));
  if (!em) return fail("the emulator did not start", emulator.output());
  const std::string emulator_url = (*em)[1];

  const auto config = std::string("/tmp/araldo-bench-") + std::to_string(getpid()) + ".yaml";
  std::ofstream(config)
      << "listen: 127.0.0.1:0\nlog_level: info\naudit: {unsigned: true}\nprivacy: {pseudonym_key: "
         "bench-pseudonym-key-0123}\ndatabase: {url: '"
      << db.dsn() << "', pool_size: 8}\nhttp: {threads: 8}\nchannels:\n  tg:\n"
      << "    type: telegram\n    base_url: " << emulator_url << "\n    bot_token: '" << token
      << "'\n    chats: ['@allerta_comune', '-1001234567890']\n"
      // Targets not paced: this measures araldod, not Telegram's pace.
      << "    group_interval_ms: 0\n"
      << "    rate_limit: {per_minute: 6000000, burst: 1000}\n";
  ChildProcess(araldod, {"-c", config, "migrate"}).wait(seconds(30));
  ChildProcess keys(araldod, {"-c", config, "keys", "create", "--role", "operator", "bench"});
  auto key = keys.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), seconds(30));
  ChildProcess daemon(araldod, {"-c", config, "serve"});
  auto listening = daemon.wait_for_line(std::regex("url=(http://[0-9.:]+)"), seconds(20));
  if (!key || !listening) return fail("araldod did not start", daemon.output() + keys.output());
  const std::string url = (*listening)[1];
  const std::map<std::string, std::string> headers{
      {"Authorization", "Bearer " + std::string((*key)[1])}, {"Content-Type", "application/json"}};

  // 1. A steady 50 alerts/s for 30 s, each posted at its time: intake latency and
  // accept-to-platform latency.
  const int sequential = 1500;
  const auto period = milliseconds(20);
  const auto steady_start = steady_clock::now();
  std::vector<double> intake_ms, delivered_ms;
  std::map<std::string, long long> posted_at;
  for (int i = 0; i < sequential; ++i) {
    const auto id = std::string("s").append(std::to_string(i));
    std::this_thread::sleep_until(steady_start + i * period);
    const auto t0 = steady_clock::now();
    posted_at[id] = now_ms();
    auto r = http_request("POST", url + "/v1/alerts", headers, alert + id + "\"}");
    intake_ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
    if (r.status != 202) {
      std::cerr << "unexpected " << r.status << " " << r.body << "\n";
      return 1;
    }
  }
  const auto deadline = steady_clock::now() + seconds(60);
  boost::json::array got;
  while ((got = received(emulator_url)).size() < 2u * sequential &&
         steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::regex id_in_text("id=(s[0-9]+)");
  for (const auto& m : got) {
    std::smatch sm;
    const std::string text(m.as_object().at("text").as_string());
    if (std::regex_search(text, sm, id_in_text)) {
      delivered_ms.push_back(
          static_cast<double>(m.as_object().at("received_at_ms").as_int64() - posted_at[sm[1]]));
    }
  }

  // 2. A burst from 8 clients: deliveries per second until the platform has them all.
  http_request("DELETE", emulator_url + "/_emulator/messages");
  const int burst = 1000;
  std::atomic<int> next{0}, failures{0};
  const auto burst_start = steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      for (int i; (i = next++) < burst;) {
        if (http_request("POST", url + "/v1/alerts", headers,
                         alert + std::string("b").append(std::to_string(i)) + "\"}")
                .status != 202)
          ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  const double accept_s = duration<double>(steady_clock::now() - burst_start).count();
  while (received(emulator_url).size() < 2u * burst &&
         steady_clock::now() < burst_start + seconds(120)) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  const double all_s = duration<double>(steady_clock::now() - burst_start).count();
  const auto burst_received = received(emulator_url).size();
  std::remove(config.c_str());

  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| alerts at a steady 50/s (2 chats each) | %d |\n", sequential);
  std::printf("| POST /v1/alerts latency p50 / p95 / p99 | %.1f / %.1f / %.1f ms |\n",
              pct(intake_ms, .5), pct(intake_ms, .95), pct(intake_ms, .99));
  std::printf("| accept → platform has it, p50 / p95 / p99 (%zu msgs) | %.0f / %.0f / %.0f ms |\n",
              delivered_ms.size(), pct(delivered_ms, .5), pct(delivered_ms, .95),
              pct(delivered_ms, .99));
  std::printf("| burst: alerts posted by 8 clients | %d (%d refused) |\n", burst, failures.load());
  std::printf("| burst: intake rate | %.0f alerts/s |\n", burst / accept_s);
  std::printf("| burst: messages delivered | %zu of %d in %.2f s = %.0f msgs/s |\n", burst_received,
              2 * burst, all_s, burst_received / all_s);
  araldo::bench::record_result(
      {{"benchmark", "delivery_latency"},
       {"steady_alerts", sequential},
       {"steady_rate_per_s", 50},
       {"intake_ms",
        {{"p50", pct(intake_ms, .5)}, {"p95", pct(intake_ms, .95)}, {"p99", pct(intake_ms, .99)}}},
       {"accept_to_platform_ms",
        {{"p50", pct(delivered_ms, .5)},
         {"p95", pct(delivered_ms, .95)},
         {"p99", pct(delivered_ms, .99)}}},
       {"messages_measured", delivered_ms.size()},
       {"burst_alerts", burst},
       {"burst_refused", failures.load()},
       {"burst_intake_alerts_per_s", burst / accept_s},
       {"burst_messages_delivered", burst_received},
       {"burst_messages_per_s", burst_received / all_s},
       {"araldod_peak_rss_mib", araldo::bench::peak_rss_mib(daemon.pid())}});
  return burst_received == 2u * burst && delivered_ms.size() == 2u * sequential ? 0 : 1;
}
