// Every post on time (issue 23): alerts at a steady rate to all four platforms at once
// (Telegram two chats, X, Facebook, WhatsApp two subscribers), with every limit lifted in
// the emulator and in araldod, and the time from each POST to the platform's receipt of
// *each* of its posts, not only the first. Prints the distribution per platform, for the
// last post of each alert, and the slowest posts with what araldod recorded about them.
//   every_post_bench [alerts per second, default 10] [seconds, default 30]
// With ARALDO_BENCH_REAL_LIMITS=1, the platforms' published limits instead, in the emulator
// and in araldod (its defaults): each post's gap between the earliest slot those limits
// allowed it and its arrival (limits_gap(), below).
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
#include <tuple>
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

// araldod's default limits (channels/*/: default_rate_limit and per-target pacing), which
// are the platforms' published ones: a rate with its burst for the account, and for
// Telegram chats and WhatsApp recipients a least interval between two messages to one.
struct Limits {
  double per_second, burst, target_interval_ms;
};
const std::map<std::string, Limits> published{{"telegram", {30, 30, 3000}},
                                              {"x", {100.0 / 900.0, 10, 0}},
                                              {"facebook", {1, 5, 0}},
                                              {"whatsapp", {80, 80, 6000}}};

struct Post {
  long long posted_ms, received_ms;
  std::string target;
};

// The schedule the limits themselves allow: the posts in the order of their alerts' POSTs,
// each sent the moment the limits let it, as an ideal sender would (the account's token
// bucket, full at the first POST; the least interval between two messages to one target).
// A post's gap is its arrival minus its slot there: how long it waited beyond what the
// limits required, the network and araldod's own time included. Computed here, not by
// araldod's pacing code.
std::vector<double> limits_gap(std::vector<Post> posts, const Limits& l, long long start_ms) {
  std::sort(posts.begin(), posts.end(), [](const Post& a, const Post& b) {
    return std::tie(a.posted_ms, a.received_ms) < std::tie(b.posted_ms, b.received_ms);
  });
  double tokens = l.burst;
  double stamp = static_cast<double>(start_ms);
  std::map<std::string, double> last_to;
  std::vector<double> gaps;
  for (const auto& p : posts) {
    double slot = std::max(static_cast<double>(p.posted_ms), stamp);
    if (l.target_interval_ms > 0 && last_to.contains(p.target)) {
      slot = std::max(slot, last_to[p.target] + l.target_interval_ms);
    }
    double level = std::min(l.burst, tokens + (slot - stamp) / 1000 * l.per_second);
    if (level < 1) {
      slot = stamp + (1 - tokens) / l.per_second * 1000;
      level = 1;
    }
    gaps.push_back(static_cast<double>(p.received_ms) - slot);
    if (std::getenv("ARALDO_BENCH_VERBOSE")) {
      std::printf("  %s posted +%lld ms, slot +%.0f ms, arrived +%lld ms\n", p.target.c_str(),
                  p.posted_ms - start_ms, slot - start_ms, p.received_ms - start_ms);
    }
    tokens = level - 1;
    stamp = slot;
    last_to[p.target] = slot;
  }
  return gaps;
}

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
  const bool real_limits = std::getenv("ARALDO_BENCH_REAL_LIMITS") != nullptr;
  const std::string araldod = std::getenv("ARALDOD"), emulator_bin = std::getenv("ARALDO_EMULATOR");
  TestDatabase db(false);
  std::vector<std::string> emulator_args{"--telegram-token",           token,
                                         "--x-consumer-key",           "b-ck",
                                         "--x-consumer-secret",        "b-cs",
                                         "--x-access-token",           "1-b-at",
                                         "--x-access-token-secret",    "b-ats",
                                         "--facebook-page-id",         "104857600",
                                         "--facebook-page-token",      "EAAPageToken",
                                         "--facebook-app-secret",      "fb-app-s3cret-0123",
                                         "--whatsapp-phone-number-id", "1055555",
                                         "--whatsapp-token",           "EAAWaToken",
                                         "--whatsapp-app-secret",      "wa-app-s3cret-0123",
                                         "--whatsapp-template",        "allerta_comune:it,en_US:4"};
  if (!real_limits) emulator_args.push_back("--no-rate-limits");
  ChildProcess emulator(emulator_bin, emulator_args);
  auto em = emulator.wait_for_line(std::regex("listening on (http://[0-9.:]+)"), seconds(10));
  if (!em) return fail("the emulator did not start", emulator.output());
  const std::string e = (*em)[1];

  const auto config = std::string("/tmp/araldo-every-post-") + std::to_string(getpid()) + ".yaml";
  const std::string unlimited =
      real_limits ? "" : "    rate_limit: {per_minute: 6000000, burst: 1000}\n";
  const std::string group_interval = real_limits ? "" : "    group_interval_ms: 0\n";
  const std::string pair_interval = real_limits ? "" : "    pair_interval_ms: 0\n";
  std::ofstream(config)
      << "listen: 127.0.0.1:0\nlog_level: info\naudit: {unsigned: true}\nprivacy: {pseudonym_key: "
         "bench-pseudonym-key-0123}\ndatabase: {url: '"
      << db.dsn() << "', pool_size: 8}\nhttp: {threads: 8}\nchannels:\n"
      << "  tg:\n    type: telegram\n    base_url: " << e << "\n    bot_token: '" << token
      << "'\n    chats: ['@allerta_comune', '-1001234567890']\n"
      << group_interval << unlimited << "  x:\n    type: x\n    base_url: " << e
      << "\n    account: '@ProtCivComune'\n    consumer_key: b-ck\n    consumer_secret: b-cs\n"
         "    access_token: 1-b-at\n    access_token_secret: b-ats\n"
      << unlimited << "  fb:\n    type: facebook\n    base_url: " << e
      << "\n    page_id: '104857600'\n    page_access_token: EAAPageToken\n"
         "    app_secret: fb-app-s3cret-0123\n"
      << unlimited << "  wa:\n    type: whatsapp\n    base_url: " << e
      << "\n    phone_number_id: '1055555'\n    access_token: EAAWaToken\n"
         "    app_secret: wa-app-s3cret-0123\n"
         "    template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}\n"
      << pair_interval << unlimited;
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
  // Under the real limits the last posts wait for them: X's 100 per 15 minutes, one
  // message to a WhatsApp recipient every 6 s.
  const auto deadline = steady_clock::now() + seconds(real_limits ? 1800 : 120);
  for (;;) {
    std::size_t n = 0;
    for (const auto& p : platforms) n += (got[p] = received(e, p)).size();
    if (n >= expected || steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(200));
  }

  const std::regex id_in("P[0-9]{6}");
  std::map<std::string, std::vector<double>> by_platform;
  std::map<std::string, std::vector<Post>> posts;
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
      const auto& o = m.as_object();
      const auto* target =
          o.if_contains("chat_id") ? o.if_contains("chat_id") : o.if_contains("to");
      posts[p].push_back({posted_at[sm[0]], o.at("received_at_ms").as_int64(),
                          target ? boost::json::serialize(*target) : ""});
      by_platform["all"].push_back(ms);
      last_of_alert[sm[0]] = std::max(last_of_alert[sm[0]], ms);
      slowest.emplace_back(ms, p, sm[0]);
      ++measured;
    }
  }
  std::vector<double> last;
  for (const auto& [id, ms] : last_of_alert) last.push_back(ms);
  std::sort(slowest.rbegin(), slowest.rend());

  std::printf("%d alerts at %.1f/s to 4 platforms (6 posts each), %s; %zu of %zu posts received\n",
              alerts, rate, real_limits ? "the platforms' published limits" : "limits lifted",
              measured, expected);
  std::printf(
      "| POST → platform has it | posts | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|\n");
  boost::json::object figures;
  // One table row, and the same figures kept in `into` for bench-results.jsonl.
  auto row = [](boost::json::object& into, const std::string& name, const std::vector<double>& v) {
    std::printf("| %s | %zu | %.0f ms | %.0f ms | %.0f ms | %.0f ms |\n", name.c_str(), v.size(),
                pct(v, .5), pct(v, .95), pct(v, .99), pct(v, 1));
    into[name] = {{"posts", v.size()},
                  {"p50", pct(v, .5)},
                  {"p95", pct(v, .95)},
                  {"p99", pct(v, .99)},
                  {"max", pct(v, 1)}};
  };
  for (const auto& p : platforms) row(figures, p, by_platform[p]);
  row(figures, "every post", by_platform["all"]);
  row(figures, "last post of each alert", last);
  boost::json::object gaps;
  if (real_limits) {
    std::printf(
        "| arrival − earliest slot the limits allowed | posts | p50 | p95 | p99 | max |\n"
        "|---|---|---|---|---|---|\n");
    std::vector<double> every;
    for (const auto& p : platforms) {
      const auto g = limits_gap(posts[p], published.at(p), posted_at.at("P100000"));
      every.insert(every.end(), g.begin(), g.end());
      row(gaps, p, g);
    }
    row(gaps, "every post", every);
    std::printf("the emulator's answers: %s\n",
                http_request("GET", e + "/_emulator/stats").body.c_str());
    // What araldod recorded about every attempt that did not deliver: a slot it spent.
    std::printf(
        "attempts not delivered: %s\n",
        db.scalar("SELECT coalesce(string_agg(d.channel || ' ' || d.target || ' attempt '"
                  " || (e.detail->>'attempt') || ': ' || (e.detail->>'outcome') || ' '"
                  " || coalesce(e.detail->>'http_status', '') || ' '"
                  " || coalesce(e.detail->>'error', ''), E'\n  ' ORDER BY e.id), 'none')"
                  " FROM audit_events e JOIN deliveries d ON d.id = e.delivery_id"
                  " WHERE e.kind = 'delivery.attempt' AND e.detail->>'outcome' <> 'delivered'")
            .c_str());
  }
  if (std::getenv("ARALDO_BENCH_VERBOSE")) {
    // The X deliveries' trail, for a post that went out of order.
    std::printf("x deliveries:\n  %s\n",
                db.scalar("SELECT string_agg(d.id || ' ' || substr(d.rendered_text, 1, 16) || ' '"
                          " || e.kind || ' ' || to_char(e.at, 'HH24:MI:SS.MS'),"
                          " E'\n  ' ORDER BY d.id, e.id) FROM deliveries d"
                          " JOIN audit_events e ON e.delivery_id = d.id WHERE d.channel = 'x'")
                    .c_str());
  }
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
       {"real_limits", real_limits},
       {"gap_ms", gaps},
       {"posts_expected", expected},
       {"posts_received", measured},
       {"latency_ms", figures},
       {"intake_ms", {{"p50", pct(intake_ms, .5)}, {"p99", pct(intake_ms, .99)}}},
       {"araldod_peak_rss_mib", araldo::bench::peak_rss_mib(daemon.pid())}});
  std::remove(config.c_str());
  return measured == expected ? 0 : 1;
}
