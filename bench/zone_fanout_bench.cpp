// Issue 22's figure: 1,000,000 WhatsApp subscribers in 200 zones (a 20 x 10 grid of
// districts), each in one zone; an alert whose polygon covers 80 of the zones (40 % of
// the subscribers) beside an alert with no area over the same subscribers, in one run.
// Measures the intake statement (what the 202 waits for: the alert, its area, the zones it
// touches and every delivery, committed) and this process's peak RSS. The fan-out runs
// inside PostgreSQL: the client holds one alert's rendered parts, whatever the audience.
#include <sys/resource.h>

#include <fmt/format.h>
#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>

#include "bench/bench_support.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/subscriber_store.hpp"
#include "daemon/store/zone_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

constexpr int columns = 20, rows = 10;
constexpr double lon0 = 9.05, lat0 = 45.40, step = 0.01;

std::string zone_name(int x, int y) {
  return fmt::format("z{:02}{:02}", x, y);
}

store::SubscriberFanout whatsapp_fanout() {
  store::SubscriberFanout fanout{"wa", "whatsapp", {}, {}};
  fanout.by_language["it"] = {
      {"it", R"({"name":"allerta","language":"it","parameters":["a","b","c"]})"}};
  fanout.fallback = fanout.by_language["it"];
  return fanout;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  test_support::TestDatabase db;
  store::Database database(config::Secret(db.dsn()), 1);
  std::vector<store::ZoneInput> zones;
  for (int x = 0; x < columns; ++x) {
    for (int y = 0; y < rows; ++y) {
      const double a = lon0 + x * step, b = lat0 + y * step;
      zones.push_back({zone_name(x, y),
                       zone_name(x, y),
                       std::nullopt,
                       fmt::format(R"({{"type":"Polygon","coordinates":[[[{},{}],[{},{}],)"
                                   R"([{},{}],[{},{}],[{},{}]]]}})",
                                   a, b, a + step, b, a + step, b + step, a, b + step, a, b),
                       {},
                       ""});
    }
  }
  store::save_zones(database, zones, "bench");
  auto t = Clock::now();
  pqxx::connection c(db.dsn());
  constexpr int batch = 250'000;
  for (int first = 0; first < n; first += batch) {
    std::vector<store::Subscriber> subscribers;
    for (int i = first; i < std::min(n, first + batch); ++i) {
      const int zone = i % (columns * rows);
      subscribers.push_back({std::to_string(393'000'000'000LL + i), "it",
                             "2026-11-01T09:00:00+01:00", 0,
                             std::vector<std::string>{zone_name(zone / rows, zone % rows)}});
    }
    store::upsert_subscribers(c, "wa", subscribers, "bench", test_support::test_pseudonyms);
  }
  const double import_ms = ms_since(t);
  pqxx::nontransaction(c).exec0("VACUUM ANALYZE");

  // The western 8 columns of 20: 80 zones, 40 % of the subscribers. The polygon keeps
  // clear of the 9th column's border, so it touches only those 80.
  auto area_alert = bench::flood_alert();
  area_alert.area = "West";
  const double east = lon0 + 8 * step - step / 2;
  area_alert.geometry.polygons = {
      fmt::format("{},{} {},{} {},{} {},{} {},{}", lat0 + 0.001, lon0 + 0.001, lat0 + 0.001, east,
                  lat0 + rows * step - 0.001, east, lat0 + rows * step - 0.001, lon0 + 0.001,
                  lat0 + 0.001, lon0 + 0.001)};
  const auto everyone = bench::flood_alert();
  std::printf("| alert | deliveries | to the commit (202) | per delivery |\n|---|---|---|---|\n");
  for (const model::Alert* a : {&everyone, static_cast<const model::Alert*>(&area_alert)}) {
    t = Clock::now();
    const auto accepted = store::insert_alert(c, *a, {}, {whatsapp_fanout()}, "bench");
    const double ms = ms_since(t);
    const bool with_area = a == &area_alert;
    std::printf("| %s | %lld | %.0f ms | %.2f us |\n",
                with_area ? "polygon over 80 of 200 zones" : "no area (everyone)",
                accepted.deliveries, ms, 1000.0 * ms / std::max(1LL, accepted.deliveries));
    araldo::bench::record_result({{"benchmark", "zone_fanout"},
                                  {"subscribers", n},
                                  {"zones", static_cast<int>(columns * rows)},
                                  {"area", with_area},
                                  {"deliveries", accepted.deliveries},
                                  {"commit_ms", ms},
                                  {"import_ms", import_ms}});
  }
  std::printf("subscribers=%d import_ms=%.0f bench_peak_rss_mib=%ld\n", n, import_ms,
              peak_rss_mib());
  return 0;
}
