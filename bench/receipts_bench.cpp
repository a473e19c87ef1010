// How araldod absorbs a burst of WhatsApp receipts: one alert to N subscribers, then the
// emulator sends a "delivered" for each, signed, in bodies of 1,000 (as Meta batches), and
// the same bodies to a peer that answers 200 without doing anything (the emulator's own
// /_emulator/null): the difference is araldod's cost of checking, storing and answering.
// Then how long until every receipt is applied to its delivery. Run through
// bench/receipts-bench.sh.
//
// With `acks`, the alert asks for an answer and every subscriber presses "Sto bene" (a
// quick-reply button) instead: how long from the first press until every answer is
// recorded (checked against its delivery, audited, counted).
//
//   receipts_bench RECIPIENTS [acks]
// Prints one Markdown table row.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <thread>

#include "bench/bench_support.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo::test_support;
using namespace std::chrono;
using araldo::bench::fail;

namespace {

long long count(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  return pqxx::nontransaction(c).exec1(sql)[0].as<long long>();
}

// Seconds the emulator takes to deliver every "delivered" receipt (or every press) to
// `url`.
double burst(const std::string& emulator, const std::string& url, bool acks) {
  http_request("POST", emulator + "/_emulator/whatsapp/webhook",
               {{"Content-Type", "application/json"}}, R"({"url":")" + url + "\"}");
  const auto start = steady_clock::now();
  const auto r = acks ? http_request("POST", emulator + "/_emulator/whatsapp/presses",
                                     {{"Content-Type", "application/json"}},
                                     R"({"button":0,"batch":1000,"attempts":1})")
                      : http_request("POST", emulator + "/_emulator/whatsapp/statuses",
                                     {{"Content-Type", "application/json"}},
                                     R"({"status":"delivered","batch":1000,"attempts":1})");
  const double s = duration<double>(steady_clock::now() - start).count();
  const auto doc = boost::json::parse(r.body);
  for (const auto& a : doc.at("answers").as_array()) {
    if (a.as_int64() != 200) throw std::runtime_error("a webhook was answered " + r.body);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::string(argv[2]) != "acks")) {
    std::cerr << "usage: receipts_bench RECIPIENTS [acks]\n";
    return 2;
  }
  const long long recipients = std::stoll(argv[1]);
  const bool acks = argc == 3;
  const std::string araldod = std::getenv("ARALDOD"), emulator_bin = std::getenv("ARALDO_EMULATOR");
  TestDatabase db(false);
  ChildProcess emulator(emulator_bin,
                        {"--whatsapp-phone-number-id", "1055555", "--whatsapp-token", "EAAWaToken",
                         "--whatsapp-app-secret", "wa-app-s3cret-0123", "--whatsapp-template",
                         "allerta_comune:it,en_US:4", "--whatsapp-template",
                         "allerta_risposta:it,en_US:4:2", "--no-rate-limits"});
  auto em = emulator.wait_for_line(std::regex("listening on (http://[0-9.:]+)"), seconds(10));
  if (!em) return fail("the emulator did not start", emulator.output());
  const std::string emulator_url = (*em)[1];

  const auto config = "/tmp/araldo-receipts-bench-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(config)
      << "listen: 127.0.0.1:0\nlog_level: info\naudit: {unsigned: true}\nprivacy: {pseudonym_key: "
         "bench-pseudonym-key-0123}\ndatabase: {url: '"
      << db.dsn() << "', pool_size: 4}\nhttp: {threads: 4}\nchannels:\n  wa:\n"
      << "    type: whatsapp\n    base_url: " << emulator_url
      << "\n    phone_number_id: '1055555'\n    access_token: EAAWaToken\n"
      << "    app_secret: wa-app-s3cret-0123\n"
      << "    template: {name: allerta_comune, parameters: 4, languages: {it: "
         "it, en: en_US}, with_answer_buttons: allerta_risposta}\n"
      << "    rate_limit: {per_minute: 6000000, burst: 100}\n"
      << "    inbound: {verify_token: bench-verify-token}\n";
  ChildProcess(araldod, {"-c", config, "migrate"}).wait(seconds(60));
  {
    pqxx::connection c(db.dsn());
    pqxx::work tx(c);
    tx.exec_params0(
        "INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
        " SELECT 'wa', (393330000000 + g)::text, 'it', now(), 'bench'"
        "   FROM generate_series(1, $1) g",
        recipients);
    tx.commit();
  }
  ChildProcess keys(araldod, {"-c", config, "keys", "create", "--role", "operator", "bench"});
  auto key = keys.wait_for_line(std::regex("^(araldo_[0-9a-f]{48})$"), seconds(30));
  ChildProcess daemon(araldod, {"-c", config, "serve"});
  auto listening = daemon.wait_for_line(std::regex("url=(http://[0-9.:]+)"), seconds(20));
  if (!key || !listening) return fail("araldod did not start", daemon.output() + keys.output());
  const std::string url = (*listening)[1];
  const auto r = http_request(
      "POST", url + "/v1/alerts",
      {{"Authorization", "Bearer " + std::string((*key)[1])}, {"Content-Type", "application/json"}},
      std::string(R"({"headline":"Allerta rossa","event":"Flood","category":"Met",)") +
          R"("severity":"Extreme","urgency":"Immediate","certainty":"Observed",)" +
          R"("area":"Milano",)" + (acks ? R"("acknowledge":true,)" : "") + R"("channels":["wa"]})");
  if (r.status != 202) return fail("the alert was refused: " + r.body, daemon.output());
  const auto sending = steady_clock::now();
  while (count(db.dsn(), "SELECT count(*) FROM deliveries WHERE state = 'sent'") < recipients) {
    if (steady_clock::now() > sending + seconds(600)) return fail("not all sent", daemon.output());
    std::this_thread::sleep_for(milliseconds(200));
  }

  try {
    const double peer_s = burst(emulator_url, emulator_url + "/_emulator/null", acks);
    const auto started = steady_clock::now();
    const double intake_s = burst(emulator_url, url + "/webhooks/wa", acks);
    const auto stored = steady_clock::now();
    const auto applied = acks ? "SELECT count(*) FROM acknowledgements"
                              : "SELECT count(*) FROM deliveries WHERE receipt = 'delivered'";
    while (count(db.dsn(), applied) < recipients) {
      if (steady_clock::now() > stored + seconds(600)) return fail("not applied", daemon.output());
      std::this_thread::sleep_for(milliseconds(50));
    }
    const double apply_s = duration<double>(steady_clock::now() - stored).count();
    const auto n = static_cast<double>(recipients);
    if (acks) {
      const double recorded_s = duration<double>(steady_clock::now() - started).count();
      std::printf("| %lld | %.2f s (%.0f/s) | %.2f s (%.0f/s) | %.1f | %.2f s (%.0f/s) |\n",
                  recipients, peer_s, n / peer_s, intake_s, n / intake_s, intake_s / peer_s,
                  recorded_s, n / recorded_s);
      araldo::bench::record_result({{"benchmark", "acknowledgements"},
                                    {"answers", recipients},
                                    {"peer_seconds", peer_s},
                                    {"intake_seconds", intake_s},
                                    {"recorded_seconds", recorded_s}});
      std::remove(config.c_str());
      return 0;
    }
    std::printf("| %lld | %.2f s (%.0f/s) | %.2f s (%.0f/s) | %.1f | %.2f s (%.0f/s) |\n",
                recipients, peer_s, n / peer_s, intake_s, n / intake_s, intake_s / peer_s, apply_s,
                n / apply_s);
    araldo::bench::record_result({{"benchmark", "receipts"},
                                  {"receipts", recipients},
                                  {"peer_seconds", peer_s},
                                  {"intake_seconds", intake_s},
                                  {"apply_seconds_after_intake", apply_s}});
  } catch (const std::exception& e) {
    return fail(e.what(), daemon.output());
  }
  std::remove(config.c_str());
  return 0;
}
