// How fast one alert to many WhatsApp subscribers goes out: the real araldod against the
// emulator, on a private PostgreSQL (fsync on). Run through bench/dispatch-bench.sh,
// which passes the binaries, so a baseline build and the current one run side by side.
//
//   dispatch_bench RECIPIENTS ALLOWED_PER_SECOND MAX_SECONDS
// ALLOWED_PER_SECOND 0: the emulator's limits off and araldod's rate lifted.
// Prints one Markdown table row: delivered, seconds, msg/s, share of the allowed rate,
// throttling answers, and araldod's CPU use.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "bench/bench_support.hpp"
#include "daemon/audit/audit_verify.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo::test_support;
using namespace std::chrono;
using araldo::bench::fail;

namespace {

struct Counts {
  long long ok = 0;
  long long refused = 0;  // any answer other than 200
};

Counts whatsapp_answers(const std::string& emulator) {
  Counts c;
  const auto stats = boost::json::parse(http_request("GET", emulator + "/_emulator/stats").body);
  if (const auto* wa = stats.as_object().if_contains("whatsapp")) {
    for (const auto& [status, n] : wa->as_object()) {
      (status == "200" ? c.ok : c.refused) += n.as_int64();
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: dispatch_bench RECIPIENTS ALLOWED_PER_SECOND MAX_SECONDS\n";
    return 2;
  }
  const long long recipients = std::stoll(argv[1]);
  const int allowed = std::stoi(argv[2]);
  const int max_seconds = std::stoi(argv[3]);
  const std::string araldod = std::getenv("ARALDOD"), emulator_bin = std::getenv("ARALDO_EMULATOR");

  TestDatabase db(false);
  std::vector<std::string> args{"--whatsapp-phone-number-id", "1055555",
                                "--whatsapp-token",           "EAAWaToken",
                                "--whatsapp-app-secret",      "wa-app-s3cret-0123",
                                "--whatsapp-template",        "allerta_comune:it,en_US:4"};
  if (allowed == 0) {
    args.push_back("--no-rate-limits");
  } else {
    args.insert(args.end(), {"--whatsapp-per-second", argv[2], "--whatsapp-burst", "20"});
  }
  ChildProcess emulator(emulator_bin, args);
  auto em = emulator.wait_for_line(std::regex("listening on (http://[0-9.:]+)"), seconds(10));
  if (!em) return fail("the emulator did not start", emulator.output());
  const std::string emulator_url = (*em)[1];

  const auto config =
      std::string("/tmp/araldo-dispatch-bench-") + std::to_string(getpid()) + ".yaml";
  const std::string rate = allowed == 0
                               ? "{per_minute: 6000000, burst: 100}"
                               : "{per_minute: " + std::to_string(allowed * 60) + ", burst: 10}";
  std::ofstream(config)
      << "listen: 127.0.0.1:0\nlog_level: info\naudit: {unsigned: true}\nprivacy: {pseudonym_key: "
         "bench-pseudonym-key-0123}\ndatabase: {url: '"
      << db.dsn()
      << "', pool_size: 4}\nhttp: {threads: 4, import_body_limit: 67108864}\nchannels:\n  wa:\n"
      << "    type: whatsapp\n    base_url: " << emulator_url
      << "\n    phone_number_id: '1055555'\n    access_token: EAAWaToken\n"
      << "    app_secret: wa-app-s3cret-0123\n"
      << "    template: {name: allerta_comune, parameters: 4, languages: {it: "
         "it, en: en_US}}\n"
      << "    rate_limit: " << rate << "\n";
  // ARALDO_BENCH_INLINE_LIMIT: alerts.inline_fanout_limit (the largest audience written
  // before the 202).
  if (const char* limit = std::getenv("ARALDO_BENCH_INLINE_LIMIT")) {
    std::ofstream(config, std::ios::app) << "alerts: {inline_fanout_limit: " << limit << "}\n";
  }
  ChildProcess(araldod, {"-c", config, "migrate"}).wait(seconds(60));
  // ARALDO_BENCH_IMPORT_BATCH=N: the subscribers come over HTTP as CSVs of N rows, as a
  // town hall imports them, once araldod runs (its memory is then measured after the
  // imports too); otherwise they are inserted by SQL before it starts.
  const char* import_env = std::getenv("ARALDO_BENCH_IMPORT_BATCH");
  const long long import_batch = import_env ? std::atoll(import_env) : 0;
  if (import_batch == 0) {
    pqxx::connection c(db.dsn());
    pqxx::work tx(c);
    tx.exec_params0(
        "INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
        " SELECT 'wa', (393330000000 + g)::text, CASE WHEN g % 3 = 0 THEN 'en' ELSE 'it' END,"
        "        now(), 'bench' FROM generate_series(1, $1) g",
        recipients);
    tx.commit();
  }
  ChildProcess keys(araldod, {"-c", config, "keys", "create", "--role", "operator", "bench"});
  auto key = keys.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), seconds(30));
  ChildProcess daemon(araldod, {"-c", config, "serve"});
  auto listening = daemon.wait_for_line(std::regex("url=(http://[0-9.:]+)"), seconds(20));
  if (!key || !listening) return fail("araldod did not start", daemon.output() + keys.output());
  const std::string url = (*listening)[1];
  // ARALDO_BENCH_DAEMONS=2: a second araldod on the same database shares the queue.
  // ARALDO_BENCH_SEND_LATENCY_MS: the platform takes that long to answer every send, so
  // the platform, not araldod or PostgreSQL, is the bottleneck.
  std::unique_ptr<ChildProcess> second;
  if (const char* n = std::getenv("ARALDO_BENCH_DAEMONS"); n && std::atoi(n) > 1) {
    second =
        std::make_unique<ChildProcess>(araldod, std::vector<std::string>{"-c", config, "serve"});
    if (!second->wait_for_line(std::regex("url=(http://[0-9.:]+)"), seconds(20))) {
      return fail("the second araldod did not start", second->output());
    }
  }
  std::string admin_key;
  if (import_batch > 0) {
    ChildProcess admin(araldod, {"-c", config, "keys", "create", "--role", "admin", "town-hall"});
    auto k = admin.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), seconds(30));
    if (!k) return fail("no admin key", admin.output());
    admin_key = (*k)[1];
  }
  for (long long from = 1; import_batch > 0 && from <= recipients; from += import_batch) {
    std::string csv = "address,language,consent_at\n";
    for (long long g = from; g < from + import_batch && g <= recipients; ++g) {
      csv += std::to_string(393330000000 + g) + (g % 3 == 0 ? ",en," : ",it,") +
             "2026-11-01T09:00:00+01:00\n";
    }
    const auto t = steady_clock::now();
    const auto imported =
        http_request("POST", url + "/v1/channels/wa/subscribers/import",
                     {{"Authorization", "Bearer " + admin_key}, {"Content-Type", "text/csv"}}, csv);
    if (imported.status != 200) return fail("the import was refused: " + imported.body, "");
    std::fprintf(stderr, "import: %lld rows in %.1f s; araldod RSS %.0f MiB (peak %.0f MiB)\n",
                 std::min(import_batch, recipients - from + 1),
                 duration<double>(steady_clock::now() - t).count(),
                 araldo::bench::rss_mib(daemon.pid()), araldo::bench::peak_rss_mib(daemon.pid()));
  }
  if (const char* ms = std::getenv("ARALDO_BENCH_SEND_LATENCY_MS"); ms && std::atoi(ms) > 0) {
    http_request("POST", emulator_url + "/_emulator/faults", {},
                 R"({"platform":"whatsapp","latency_ms":)" + std::string(ms) + R"(,"count":-1})");
  }

  const auto posted = steady_clock::now();
  const auto r = http_request(
      "POST", url + "/v1/alerts",
      {{"Authorization", "Bearer " + std::string((*key)[1])}, {"Content-Type", "application/json"}},
      R"({"headline":"Allerta rossa: esondazione","event":"Flood","category":"Met",)"
      R"("severity":"Extreme","urgency":"Immediate","certainty":"Observed",)"
      R"("area":"Milano","instruction":"Salire ai piani alti.","channels":["wa"]})");
  if (r.status != 202) return fail("the alert was refused: " + r.body, daemon.output());
  const double accept_s = duration<double>(steady_clock::now() - posted).count();

  // From the first message the platform has, for at most MAX_SECONDS.
  Counts c;
  while ((c = whatsapp_answers(emulator_url)).ok == 0 &&
         steady_clock::now() < posted + seconds(120)) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  const auto start = steady_clock::now();
  const long long at_start = c.ok;
  const double cpu_start = araldo::bench::cpu_seconds(daemon.pid());
  const double pg_cpu_start = araldo::bench::postgres_cpu_seconds();
  const double emulator_cpu_start = araldo::bench::cpu_seconds(emulator.pid());
  const auto stop_at = start + seconds(max_seconds);
  // The rate over each 10 s, to see whether it holds as the tables grow.
  auto tick = start;
  long long at_tick = at_start;
  while ((c = whatsapp_answers(emulator_url)).ok < recipients && steady_clock::now() < stop_at) {
    std::this_thread::sleep_for(milliseconds(100));
    if (steady_clock::now() - tick >= seconds(10)) {
      std::fprintf(stderr, "at %.0f s: %.0f msg/s\n",
                   duration<double>(steady_clock::now() - start).count(),
                   static_cast<double>(c.ok - at_tick) /
                       duration<double>(steady_clock::now() - tick).count());
      tick = steady_clock::now();
      at_tick = c.ok;
    }
  }
  const double s = duration<double>(steady_clock::now() - start).count();
  const double from_post_s = duration<double>(steady_clock::now() - posted).count();
  const double cpu = araldo::bench::cpu_seconds(daemon.pid()) - cpu_start;
  const double pg_cpu = araldo::bench::postgres_cpu_seconds() - pg_cpu_start;
  const double emulator_cpu = araldo::bench::cpu_seconds(emulator.pid()) - emulator_cpu_start;
  const double rate_achieved = static_cast<double>(c.ok - at_start) / s;
  // Where each message's CPU went, and the rate the machine's cores would allow at that
  // cost if nothing else ran: a ceiling the machine's noise does not move much.
  const double sent = static_cast<double>(std::max(1LL, c.ok - at_start));
  const double per_message_us = 1e6 * (cpu + pg_cpu + emulator_cpu) / sent;
  const auto cores = std::thread::hardware_concurrency();
  std::fprintf(stderr,
               "CPU per message: araldod %.1f µs, PostgreSQL %.1f µs, emulator %.1f µs; "
               "%.1f µs in all, so %u cores allow at most %.0f msg/s\n",
               1e6 * cpu / sent, 1e6 * pg_cpu / sent, 1e6 * emulator_cpu / sent, per_message_us,
               cores, cores * 1e6 / per_message_us);
  std::printf(
      "| %lld | %s | %s%lld | %.1f s | %.0f msg/s | %s | %lld | %.0f %% | %.2f s |\n", recipients,
      allowed == 0 ? "no limit" : (std::to_string(allowed) + "/s").c_str(),
      c.ok < recipients ? "stopped at " : "", c.ok, s, rate_achieved,
      allowed == 0
          ? "-"
          : (std::to_string(static_cast<int>(100 * rate_achieved / allowed + 0.5)) + " %").c_str(),
      c.refused, 100 * cpu / s, accept_s);
  // The audit log under this load: how long from an event's commit to its seal, and how
  // fast an auditor's verify runs. (Stop the daemon first, so the log stops growing.)
  const double peak_rss = araldo::bench::peak_rss_mib(daemon.pid());
  std::fprintf(stderr,
               "from the POST: %lld messages in %.1f s = %.0f msg/s; araldod peak RSS %.0f MiB\n",
               c.ok, from_post_s, static_cast<double>(c.ok) / from_post_s, peak_rss);
  const long long delivered = c.ok, throttled = c.refused;
  {
    // Nobody twice: as many recipients as messages.
    const auto messages =
        boost::json::parse(http_request("GET", emulator_url + "/_emulator/whatsapp/messages").body)
            .at("messages")
            .as_array();
    std::set<std::string> to;
    for (const auto& m : messages) to.insert(std::string(m.at("to").as_string()));
    std::fprintf(stderr, "daemons: %d; messages %zu to %zu recipients (duplicates %zu)\n",
                 second ? 2 : 1, messages.size(), to.size(), messages.size() - to.size());
  }
  if (second) {
    second->signal(SIGTERM);
    second->wait(seconds(60));
  }
  daemon.signal(SIGTERM);
  daemon.wait(seconds(60));
  {
    araldo::store::Connection c(araldo::config::Secret(db.dsn()));
    const auto lag = pqxx::nontransaction(c.pq()).exec1(
        "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),"
        "       percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), max(lag) FROM ("
        "  SELECT extract(epoch FROM (h.signed_at::timestamptz - e.at)) * 1000 AS lag"
        "    FROM audit_leaves l JOIN audit_events e ON e.id = l.event_id"
        "    CROSS JOIN LATERAL (SELECT signed_at FROM audit_heads h WHERE h.tree_size > l.seq"
        "                         ORDER BY tree_size LIMIT 1) h) s");
    const auto verify_start = steady_clock::now();
    araldo::store::Connection reader(araldo::config::Secret(db.dsn()));  // as araldoctl does
    const auto report = araldo::audit::verify_log(c, {}, {&reader});
    const double verify_s = duration<double>(steady_clock::now() - verify_start).count();
    std::fprintf(stderr,
                 "audit: %s events sealed (%lld not yet); sealing lag p50 %.0f ms, p99 %.0f ms, "
                 "max %.0f ms; verify: %s, %llu events in %.2f s = %.0f events/s\n",
                 lag[0].c_str(), report.unsealed, lag[1].as<double>(0), lag[2].as<double>(0),
                 lag[3].as<double>(0), report.ok ? "intact" : report.problem.c_str(),
                 static_cast<unsigned long long>(report.leaves), verify_s,
                 static_cast<double>(report.leaves) / verify_s);
    araldo::bench::record_result(
        {{"benchmark", "dispatch"},
         {"recipients", recipients},
         {"allowed_per_s", allowed},
         {"delivered", delivered},
         {"seconds", s},
         {"messages_per_s", rate_achieved},
         {"throttled", throttled},
         {"araldod_cpu_percent", 100 * cpu / s},
         {"cpu_us_per_message",
          {{"araldod", 1e6 * cpu / sent},
           {"postgres", 1e6 * pg_cpu / sent},
           {"emulator", 1e6 * emulator_cpu / sent}}},
         {"araldod_peak_rss_mib", peak_rss},
         {"intake_seconds", accept_s},
         {"sealing_lag_ms",
          {{"p50", lag[1].as<double>(0)},
           {"p99", lag[2].as<double>(0)},
           {"max", lag[3].as<double>(0)}}},
         {"verify_events", report.leaves},
         {"verify_events_per_s", static_cast<double>(report.leaves) / verify_s}});
  }

  // Where the dispatcher's time went (its periodic event=dispatcher.turns lines).
  std::istringstream log(daemon.output());
  for (std::string line; std::getline(log, line);) {
    if (line.find("turns=") != std::string::npos) std::cerr << line << "\n";
  }
  std::remove(config.c_str());
  return 0;
}
