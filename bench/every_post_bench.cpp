// Every post on time (issue 23): alerts at a steady rate to all four platforms at once
// (Telegram two chats, X, Facebook, WhatsApp two subscribers), with every limit lifted in
// the emulator and in araldod, and the time from each POST to the platform's receipt of
// *each* of its posts, not only the first. Prints the distribution per platform, for the
// last post of each alert, and the slowest posts with what araldod recorded about them.
//   every_post_bench [alerts per second, default 10] [seconds, default 30]
// Run through bench/every-post-bench.sh, which starts PostgreSQL and passes the binaries.
#include <algorithm>
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

boost::json::array received(const std::string& emulator, const std::string& platform) {
  return boost::json::parse(
             http_request("GET", emulator + "/_emulator/" + platform + "/messages").body)
      .as_object()
      .at("messages")
      .as_array();
}
}  // namespace

int main(int argc, char** argv) {
  const double rate = argc > 1 ? std::atof(argv[1]) : 10;
  const int seconds_run = argc > 2 ? std::atoi(argv[2]) : 30;
  const std::string araldod = std::getenv("ARALDOD"), emulator_bin = std::getenv("ARALDO_EMULATOR");
  TestDatabase db(false);
  ChildProcess emulator(emulator_bin, {"--no-rate-limits",
                                       "--telegram-token",
                                       token,
                                       "--x-consumer-key",
                                       "b-ck",
                                       "--x-consumer-secret",
                                       "b-cs",
                                       "--x-access-token",
                                       "1-b-at",
                                       "--x-access-token-secret",
                                       "b-ats",
                                       "--facebook-page-id",
                                       "104857600",
                                       "--facebook-page-token",
                                       "EAAPageToken",
                                       "--facebook-app-secret",
                                       "fb-app-s3cret-0123",
                                       "--whatsapp-phone-number-id",
                                       "1055555",
                                       "--whatsapp-token",
                                       "EAAWaToken",
                                       "--whatsapp-app-secret",
                                       "wa-app-s3cret-0123",
                                       "--whatsapp-template",
                                       "allerta_comune:it,en_US:4"});
  auto em = emulator.wait_for_line(std::regex("listening on (http://[0-9.:]+)"), seconds(10));
  if (!em) return fail("the emulator did not start", emulator.output());
  const std::string e = (*em)[1];

  const auto config = std::string("/tmp/araldo-every-post-") + std::to_string(getpid()) + ".yaml";
  const std::string unlimited = "    rate_limit: {per_minute: 6000000, burst: 1000}\n";
  std::ofstream(config)
      << "listen: 127.0.0.1:0\nlog_level: info\naudit: {unsigned: true}\nprivacy: {pseudonym_key: "
         "bench-pseudonym-key-0123}\ndatabase: {url: '"
      << db.dsn() << "', pool_size: 8}\nhttp: {threads: 8}\nchannels:\n"
      << "  tg:\n    type: telegram\n    base_url: " << e << "\n    bot_token: '" << token
      << "'\n    chats: ['@allerta_comune', '-1001234567890']\n    group_interval_ms: 0\n"
      << unlimited << "  x:\n    type: x\n    base_url: " << e
      << "\n    account: '@ProtCivComune'\n    consumer_key: b-ck\n    consumer_secret: b-cs\n"
         "    access_token: 1-b-at\n    access_token_secret: b-ats\n"
      << unlimited << "  fb:\n    type: facebook\n    base_url: " << e
      << "\n    page_id: '104857600'\n    page_access_token: EAAPageToken\n"
         "    app_secret: fb-app-s3cret-0123\n"
      << unlimited << "  wa:\n    type: whatsapp\n    base_url: " << e
      << "\n    phone_number_id: '1055555'\n    access_token: EAAWaToken\n"
         "    app_secret: wa-app-s3cret-0123\n"
         "    template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}\n"
         "    pair_interval_ms: 0\n"
      << unlimited;
  ChildProcess(araldod, {"-c", config, "migrate"}).wait(seconds(30));
  ChildProcess keys(araldod, {"-c", config, "keys", "create", "--role", "operator", "bench"});
  auto key = keys.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), seconds(30));
  ChildProcess admin(araldod, {"-c", config, "keys", "create", "--role", "admin", "bench-admin"});
  auto admin_key = admin.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), seconds(30));
  ChildProcess daemon(araldod, {"-c", config, "serve"});
  auto listening = daemon.wait_for_line(std::regex("url=(http://[0-9.:]+)"), seconds(20));
  if (!key || !admin_key || !listening) {
    return fail("araldod did not start", daemon.output() + keys.output());
  }
  const std::string url = (*listening)[1];
  const std::string bearer = "Bearer " + std::string((*key)[1]);
  const auto imported = http_request(
      "POST", url + "/v1/channels/wa/subscribers/import",
      {{"Authorization", "Bearer " + std::string((*admin_key)[1])}, {"Content-Type", "text/csv"}},
      "address,language,consent_at\n393331000001,it,2026-11-01T09:00:00+01:00\n"
      "393331000002,en,2026-11-01T09:00:00+01:00\n");
  if (imported.status != 200) return fail("import: " + imported.body, daemon.output());

  // Each alert's token is in its headline, which every platform's post carries.
  const int alerts = static_cast<int>(rate * seconds_run);
  const auto period = duration_cast<steady_clock::duration>(duration<double>(1.0 / rate));
  std::map<std::string, long long> posted_at;
  std::vector<double> intake_ms;
  const auto start = steady_clock::now();
  for (int i = 0; i < alerts; ++i) {
    const auto id = "P" + std::to_string(100000 + i);
    std::this_thread::sleep_until(start + i * period);
    posted_at[id] = now_ms();
    const auto t0 = steady_clock::now();
    const auto r = http_request(
        "POST", url + "/v1/alerts",
        {{"Authorization", bearer}, {"Content-Type", "application/json"}},
        R"({"headline":"Allerta )" + id +
            R"(","event":"Storm","category":"Met","severity":"Severe","urgency":"Immediate",)"
            R"("certainty":"Likely","area":"Milano","channels":["tg","x","fb","wa"]})");
    intake_ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
    if (r.status != 202)
      return fail("POST answered " + std::to_string(r.status) + " " + r.body, "");
  }
  const std::vector<std::string> platforms{"telegram", "x", "facebook", "whatsapp"};
  const std::size_t expected = static_cast<std::size_t>(alerts) * 6;
  std::map<std::string, boost::json::array> got;
  const auto deadline = steady_clock::now() + seconds(120);
  for (;;) {
    std::size_t n = 0;
    for (const auto& p : platforms) n += (got[p] = received(e, p)).size();
    if (n >= expected || steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(200));
  }

  const std::regex id_in("P[0-9]{6}");
  std::map<std::string, std::vector<double>> by_platform;
  std::map<std::string, double> last_of_alert;
  std::vector<std::tuple<double, std::string, std::string>> slowest;
  std::size_t measured = 0;
  for (const auto& p : platforms) {
    for (const auto& m : got[p]) {
      const auto text = boost::json::serialize(m);
      std::smatch sm;
      if (!std::regex_search(text, sm, id_in)) continue;
      const double ms =
          static_cast<double>(m.as_object().at("received_at_ms").as_int64() - posted_at[sm[0]]);
      by_platform[p].push_back(ms);
      by_platform["all"].push_back(ms);
      last_of_alert[sm[0]] = std::max(last_of_alert[sm[0]], ms);
      slowest.emplace_back(ms, p, sm[0]);
      ++measured;
    }
  }
  std::vector<double> last;
  for (const auto& [id, ms] : last_of_alert) last.push_back(ms);
  std::sort(slowest.rbegin(), slowest.rend());

  std::printf(
      "%d alerts at %.0f/s to 4 platforms (6 posts each), limits lifted; %zu of %zu posts "
      "received\n",
      alerts, rate, measured, expected);
  std::printf(
      "| POST → platform has it | posts | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|\n");
  boost::json::object figures;
  auto row = [&](const std::string& name, const std::vector<double>& v) {
    std::printf("| %s | %zu | %.0f ms | %.0f ms | %.0f ms | %.0f ms |\n", name.c_str(), v.size(),
                pct(v, .5), pct(v, .95), pct(v, .99), pct(v, 1));
    figures[name] = {{"posts", v.size()},
                     {"p50", pct(v, .5)},
                     {"p95", pct(v, .95)},
                     {"p99", pct(v, .99)},
                     {"max", pct(v, 1)}};
  };
  for (const auto& p : platforms) row(p, by_platform[p]);
  row("every post", by_platform["all"]);
  row("last post of each alert", last);
  std::printf("POST /v1/alerts p50 %.1f / p99 %.1f ms\n", pct(intake_ms, .5), pct(intake_ms, .99));
  std::printf("slowest posts:\n");
  for (std::size_t i = 0; i < std::min<std::size_t>(5, slowest.size()); ++i) {
    const auto& [ms, p, id] = slowest[i];
    std::printf("  %.0f ms  %s  %s\n", ms, p.c_str(), id.c_str());
  }
  araldo::bench::record_result(
      {{"benchmark", "every_post"},
       {"alerts", alerts},
       {"rate_per_s", rate},
       {"posts_expected", expected},
       {"posts_received", measured},
       {"latency_ms", figures},
       {"intake_ms", {{"p50", pct(intake_ms, .5)}, {"p99", pct(intake_ms, .99)}}},
       {"araldod_peak_rss_mib", araldo::bench::peak_rss_mib(daemon.pid())}});
  std::remove(config.c_str());
  return measured == expected ? 0 : 1;
}
