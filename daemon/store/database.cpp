#include "daemon/store/database.hpp"

#include "daemon/store/pq.hpp"

namespace araldo::store {

std::unique_ptr<pqxx::connection> connect(const config::Secret& dsn) {
  try {
    auto conn = std::make_unique<pqxx::connection>(dsn.reveal());
    // Sealing the audit log waits for the oldest open transaction of the whole cluster: a
    // session of ours left idle inside one (a stalled export's client) must not hold it
    // back for long. Auditors' and other logins need the same: README, "Sealing".
    //
    // Araldo's statements are short OLTP ones, but the intake's single statement (CTEs over
    // JSON with default row estimates) is costed above jit_above_cost: PostgreSQL then
    // JIT-compiles it on every batch, about 130 ms of CPU, which was most of the POST's
    // latency (bench/every-post-bench.sh: p50 140 ms with JIT, 4.6 ms without).
    // Both settings in one round trip.
    pqxx::nontransaction(*conn).exec0(
        "SET idle_in_transaction_session_timeout = '60s'; SET jit = off");
    return conn;
  } catch (const pqxx::broken_connection& e) {
    // libpq's message names host and port, never the password.
    throw DatabaseUnavailable(std::string("cannot connect to the database: ") + e.what());
  }
}

Connection::Connection(const config::Secret& dsn) : conn_(connect(dsn)) {}
Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Database::Database(config::Secret dsn, int pool_size)
    : dsn_(std::move(dsn)), pool_size_(std::max(1, pool_size)) {}

Database::~Database() = default;

Database::PoolStats Database::pool_stats() {
  std::lock_guard lock(mutex_);
  return {pool_size_, open_, static_cast<int>(idle_.size()), waiting_};
}

Database::Lease::Lease(Database& d, bool fresh) : db(d) {
  std::unique_lock lock(db.mutex_);
  ++db.waiting_;
  db.available_.wait(lock, [&] { return !db.idle_.empty() || db.open_ < db.pool_size_; });
  --db.waiting_;
  if (fresh && !db.idle_.empty()) {
    // Idle connections may be as dead as the one that just failed: replace one.
    db.idle_.pop_back();
    --db.open_;
  }
  if (!fresh && !db.idle_.empty()) {
    conn = std::move(db.idle_.back());
    db.idle_.pop_back();
    reused = true;
    return;
  }
  ++db.open_;
  lock.unlock();
  try {
    conn = connect(db.dsn_);
  } catch (...) {
    std::lock_guard relock(db.mutex_);
    --db.open_;
    db.available_.notify_one();
    throw;
  }
}

Database::Lease::~Lease() {
  std::lock_guard lock(db.mutex_);
  if (broken || !conn || !conn->is_open()) {
    --db.open_;
  } else {
    db.idle_.push_back(std::move(conn));
  }
  db.available_.notify_one();
}

}  // namespace araldo::store
