// The claim-and-record path alone, without HTTP: N deliveries queued (one alert to N
// WhatsApp subscribers), then W workers, each on its own connection, claim a batch under
// a lease, mark every delivery of it delivered, and record the batch (with its audit
// events), until the queue is empty. This is the database's part of dispatching; the
// sends themselves are left out. Prints one line per worker count.
// The peer, in the same run and the same database: a bare job queue (one table, its
// primary key and one partial index, no audit), claimed the same way (SKIP LOCKED under a
// lease, batches of the same size) and completed in a second transaction, as a tuned
// PostgreSQL job queue does with no-op jobs. Their ratio is what Araldo's bookkeeping
// costs on this machine. Beside each rate, PostgreSQL's CPU and the WAL it wrote, per
// delivery or job: figures the machine's other load disturbs far less than the rates.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "bench/bench_support.hpp"
#include "daemon/config/secret.hpp"
#include "daemon/delivery/lifecycle.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/delivery_queue_store.hpp"
#include "daemon/store/subscriber_store.hpp"
#include "tests/support/test_database.hpp"

using namespace araldo;
using Clock = std::chrono::steady_clock;

namespace {

// Opened as araldod opens its connections, with JIT off: it would compile the claim's
// plan on every batch.
store::Connection connect(const std::string& dsn) {
  return store::Connection(config::Secret(dsn));
}

// The WAL written between two points of the run: the claims' and records' writes, and
// nothing else of note (no sealing runs here).
std::string wal_lsn(const std::string& dsn) {
  auto c = connect(dsn);
  return pqxx::nontransaction(c.pq())
      .exec1("SELECT pg_current_wal_insert_lsn()::text")[0]
      .as<std::string>();
}

double wal_bytes_since(const std::string& dsn, const std::string& lsn) {
  auto c = connect(dsn);
  return pqxx::nontransaction(c.pq())
      .exec_params1("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)", lsn)[0]
      .as<double>();
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void queue(const std::string& dsn, int n) {
  auto conn = connect(dsn);
  auto& c = conn.pq();
  std::vector<store::Subscriber> subscribers;
  for (int i = 0; i < n; ++i) {
    subscribers.push_back({"39333" + std::to_string(1'000'000 + i), "it", "2026-11-01T09:00:00Z"});
  }
  store::upsert_subscribers(c, "wa", subscribers, "bench", test_support::test_pseudonyms);
  const auto a = bench::flood_alert();
  store::SubscriberFanout fanout{"wa", "whatsapp", {}, {}};
  fanout.fallback = {{"it", R"({"name":"allerta","language":"it","parameters":["a","b","c"]})"}};
  // Every delivery written now, in the intake's transaction, as if the audience were
  // small: this measures the queue, not the writing of a large audience after the 202.
  const store::NewAlert one{a, {}, {fanout}, "bench", std::nullopt, std::nullopt, {}};
  const auto out = store::insert_alerts(c, {&one}, 1'000'000'000);
  if (out.front().refused != store::InsertOutcome::Refused::no)
    throw std::runtime_error("the bench's alert was refused");
  pqxx::nontransaction(c).exec0("ANALYZE deliveries");
}

struct WorkerTotals {
  long long done = 0;
  double claim_s = 0, record_s = 0;
};

WorkerTotals work(const std::string& dsn, const std::string& owner, int batch) {
  auto conn = connect(dsn);
  auto& c = conn.pq();
  WorkerTotals t;
  for (;;) {
    auto started = Clock::now();
    // As the dispatcher claims: per channel, through the channel's shared rate (lifted).
    const auto claimed = store::claim_paced(c, owner, batch, std::chrono::minutes(1), "wa",
                                            {{1e7, 1e6}, std::chrono::seconds(1)})
                             .claimed;
    t.claim_s += seconds_since(started);
    if (claimed.empty()) return t;
    std::vector<delivery::AttemptRecord> records;
    records.reserve(claimed.size());
    for (const auto& d : claimed) {
      auto r = delivery::record_for(d);
      r.outcome = "delivered";
      r.http_status = 200;
      r.latency_ms = 1;
      r.platform_id = "wamid." + std::to_string(d.id);
      r.effects = delivery::plan(d, channels::Outcome::delivered(*r.platform_id), {}, 0.5,
                                 std::chrono::milliseconds(1));
      records.push_back(std::move(r));
    }
    started = Clock::now();
    store::record_attempts(c, owner, records, test_support::test_pseudonyms);
    t.record_s += seconds_since(started);
    t.done += static_cast<long long>(claimed.size());
  }
}

// The bare queue: claim a batch under a lease, then mark it done.
long long noop_work(const std::string& dsn, int batch) {
  auto conn = connect(dsn);
  auto& c = conn.pq();
  c.prepare("claim",
            "UPDATE noop_jobs SET state = 'running', locked_until = now() + interval '1 minute'"
            " WHERE id IN (SELECT id FROM noop_jobs WHERE state = 'due' ORDER BY id"
            "              LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id");
  c.prepare("done", "UPDATE noop_jobs SET state = 'done' WHERE id = ANY($1::bigint[])");
  long long done = 0;
  for (;;) {
    std::string ids;  // an array literal: libpqxx 6 has no array parameters
    long long claimed = 0;
    {
      pqxx::work tx(c);
      for (const auto& r : tx.exec_prepared("claim", batch)) {
        ids += (ids.empty() ? "{" : ",") + r[0].as<std::string>();
        ++claimed;
      }
      tx.commit();
    }
    if (claimed == 0) return done;
    pqxx::work tx(c);
    tx.exec_prepared0("done", ids + "}");
    tx.commit();
    done += claimed;
  }
}

struct PeerFigures {
  double jobs_per_s, cpu_us_per_job, wal_bytes_per_job;
};

PeerFigures noop_queue(const std::string& dsn, int n, int workers, int batch) {
  {
    pqxx::connection c(dsn);
    pqxx::work tx(c);
    tx.exec0(
        "CREATE TABLE noop_jobs (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'due',"
        " locked_until timestamptz, payload jsonb NOT NULL DEFAULT '{}')");
    tx.exec0("CREATE INDEX noop_jobs_due ON noop_jobs (id) WHERE state = 'due'");
    tx.exec_params0(
        "INSERT INTO noop_jobs (payload) SELECT jsonb_build_object('n', i)"
        "  FROM generate_series(1, $1) i",
        n);
    tx.commit();
    pqxx::nontransaction(c).exec0("VACUUM ANALYZE noop_jobs");
  }
  std::vector<long long> done(workers);
  std::vector<std::thread> threads;
  const auto wal_before = wal_lsn(dsn);
  const auto cpu_before = bench::postgres_cpu_seconds();
  const auto started = Clock::now();
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] { done[w] = noop_work(dsn, batch); });
  }
  for (auto& t : threads) t.join();
  const double s = seconds_since(started);
  long long sum = 0;
  for (auto d : done) sum += d;
  return {sum / s, 1e6 * (bench::postgres_cpu_seconds() - cpu_before) / n,
          wal_bytes_since(dsn, wal_before) / n};
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100'000;
  const int batch = argc > 2 ? std::atoi(argv[2]) : 256;
  // ARALDO_BENCH_WORKERS=2: that count only (to profile it).
  std::vector<int> counts{1, 2, 4};
  if (const char* only = std::getenv("ARALDO_BENCH_WORKERS")) counts = {std::atoi(only)};
  for (int workers : counts) {
    test_support::TestDatabase db;
    queue(db.dsn(), n);
    std::fprintf(stderr, "claiming with %d workers\n", workers);
    std::vector<WorkerTotals> totals(workers);
    std::vector<std::thread> threads;
    const auto wal_before = wal_lsn(db.dsn());
    const auto cpu_before = bench::postgres_cpu_seconds();
    const auto started = Clock::now();
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] { totals[w] = work(db.dsn(), "w" + std::to_string(w), batch); });
    }
    for (auto& t : threads) t.join();
    const double s = seconds_since(started);
    const double cpu_ms = 1000 * (bench::postgres_cpu_seconds() - cpu_before);
    const double wal = wal_bytes_since(db.dsn(), wal_before);
    WorkerTotals sum;
    for (const auto& t : totals) {
      sum.done += t.done;
      sum.claim_s += t.claim_s;
      sum.record_s += t.record_s;
    }
    const auto [peer, peer_cpu_us, peer_wal] = noop_queue(db.dsn(), n, workers, batch);
    const double per = static_cast<double>(std::max(1LL, sum.done));
    std::printf(
        "| %d | %d | %lld | %.2f s | %.0f deliveries/s | %.3f ms | %.3f ms | PostgreSQL CPU "
        "%.1f µs, WAL %.0f B per delivery | no-op queue %.0f jobs/s, %.1f µs, %.0f B | ratio "
        "%.2f |\n",
        workers, batch, sum.done, s, sum.done / s,
        1000 * sum.claim_s / std::max(1LL, sum.done / batch),
        1000 * sum.record_s / std::max(1LL, sum.done / batch), 1000 * cpu_ms / per, wal / per, peer,
        peer_cpu_us, peer_wal, sum.done / s / peer);
    araldo::bench::record_result({{"benchmark", "claim_and_record"},
                                  {"workers", workers},
                                  {"batch", batch},
                                  {"deliveries", sum.done},
                                  {"seconds", s},
                                  {"deliveries_per_s", sum.done / s},
                                  {"noop_queue_jobs_per_s", peer},
                                  {"postgres_cpu_us_per_delivery", 1000 * cpu_ms / per},
                                  {"wal_bytes_per_delivery", wal / per},
                                  {"noop_queue_postgres_cpu_us_per_job", peer_cpu_us},
                                  {"noop_queue_wal_bytes_per_job", peer_wal},
                                  {"ratio_to_noop_queue", sum.done / s / peer}});
  }
  return 0;
}
