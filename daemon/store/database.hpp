#pragma once
// A small pool of PostgreSQL connections. Connection trouble becomes one exception type,
// DatabaseUnavailable, which the API answers with 503 and the dispatcher waits out.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/config/secret.hpp"
#include "daemon/store/database_unavailable.hpp"

namespace araldo::store {

// A read-only transaction whose statements all see one snapshot. pqxx::read_transaction
// is READ COMMITTED: each statement there sees its own snapshot, so a summary and a
// listing read one after the other can disagree while the dispatcher works.
using Snapshot =
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>;

// Opens one connection; throws DatabaseUnavailable (never a message with the password).
std::unique_ptr<pqxx::connection> connect(const config::Secret& dsn);

class Database {
 public:
  Database(config::Secret dsn, int pool_size);

  // Runs fn(pqxx::connection&). A broken connection is dropped and reported as
  // DatabaseUnavailable; other exceptions pass through and the connection is reused.
  // A pooled connection found dead (the server restarted while it sat idle) is replaced
  // and fn runs once more: nothing it did can have been committed.
  template <typename Fn>
  auto with_connection(Fn&& fn) {
    for (int round = 0;; ++round) {
      Lease lease(*this, /*fresh=*/round > 0);
      try {
        return fn(*lease.conn);
      } catch (const pqxx::broken_connection& e) {
        lease.broken = true;
        if (lease.reused && round == 0) continue;
        throw DatabaseUnavailable(std::string("lost the database connection: ") + e.what());
      } catch (const pqxx::sql_error& e) {
        if (lease.conn->is_open()) throw;
        lease.broken = true;
        if (lease.reused && round == 0) continue;
        throw DatabaseUnavailable(std::string("lost the database connection: ") + e.what());
      } catch (const pqxx::in_doubt_error& e) {
        lease.broken = true;
        throw DatabaseUnavailable(std::string("commit in doubt: ") + e.what());
      }
    }
  }

 private:
  struct Lease {
    // fresh: open a new connection, dropping an idle one if the pool is full.
    Lease(Database& db, bool fresh);
    ~Lease();
    Database& db;
    std::unique_ptr<pqxx::connection> conn;
    bool broken = false;
    bool reused = false;  // taken from the idle pool, not opened now
  };

  config::Secret dsn_;
  int pool_size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
};

}  // namespace araldo::store
