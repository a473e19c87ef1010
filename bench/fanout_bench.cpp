// How long an alert to N WhatsApp subscribers takes to queue: the CSV-sized upsert of the
// subscribers, then the intake transaction that fans the alert out to all of them in one
// statement. Prints one line per size.
#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>

#include "bench/bench_support.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/subscriber_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

int main() {
  for (int n : {10'000, 100'000}) {
    test_support::TestDatabase db;
    pqxx::connection c(db.dsn());
    std::vector<store::Subscriber> subscribers;
    for (int i = 0; i < n; ++i) {
      subscribers.push_back({"39333" + std::to_string(1'000'000 + i), i % 3 ? "it" : "en",
                             "2026-11-01T09:00:00+01:00"});
    }
    auto t = Clock::now();
    store::upsert_subscribers(c, "wa", subscribers, "bench", test_support::test_pseudonyms);
    const double import_ms = ms_since(t);

    const auto a = bench::flood_alert();
    store::SubscriberFanout fanout{"wa", "whatsapp", {}, {}};
    fanout.by_language["it"] = {
        {"it", R"({"name":"allerta","language":"it","parameters":["a","b","c"]})"}};
    fanout.by_language["en"] = {
        {"en", R"({"name":"allerta","language":"en_US","parameters":["a","b","c"]})"}};
    fanout.fallback = fanout.by_language["it"];
    t = Clock::now();
    const auto accepted = store::insert_alert(c, a, {}, {fanout}, "bench");
    const double fanout_ms = ms_since(t);
    std::printf("subscribers=%d import_ms=%.0f alert_fanout_ms=%.0f deliveries=%lld\n", n,
                import_ms, fanout_ms, accepted.deliveries);
    araldo::bench::record_result({{"benchmark", "fanout"},
                                  {"subscribers", n},
                                  {"import_ms", import_ms},
                                  {"alert_fanout_ms", fanout_ms},
                                  {"deliveries", accepted.deliveries}});
  }
  return 0;
}
