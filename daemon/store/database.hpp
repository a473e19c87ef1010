#pragma once
// A small pool of PostgreSQL connections. Connection trouble becomes one exception type,
// DatabaseUnavailable, which the API answers with 503 and the dispatcher waits out.
// Code outside daemon/store holds a Database or a Connection and calls the store's
// functions; only the store sees libpqxx (daemon/store/pq.hpp).
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/config/secret.hpp"
#include "daemon/store/database_unavailable.hpp"

namespace pqxx {  // libpqxx 6's declaration of its connection type
class connect_direct;
template <typename CONNECTPOLICY>
class basic_connection_base;
using connection = basic_connection_base<connect_direct>;
}  // namespace pqxx

namespace araldo::store {

// One connection kept by a loop of its own (the audit sequencer, araldoctl).
class Connection {
 public:
  // Throws DatabaseUnavailable (never a message with the password).
  explicit Connection(const config::Secret& dsn);
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;

  pqxx::connection& pq() { return *conn_; }  // for the store's own code

 private:
  std::unique_ptr<pqxx::connection> conn_;
};

class Database {
 public:
  Database(config::Secret dsn, int pool_size);
  ~Database();

  // Runs fn(pqxx::connection&) (defined in daemon/store/pq.hpp, for the store's own code).
  // A broken connection is dropped and reported as DatabaseUnavailable; other exceptions
  // pass through and the connection is reused. A pooled connection found dead (the server
  // restarted while it sat idle) is replaced and fn runs once more: nothing it did can
  // have been committed.
  template <typename Fn>
  auto with_connection(Fn&& fn);

  struct PoolStats {
    int size = 0;  // at most this many connections
    int open = 0;  // open now, in use or idle
    int idle = 0;
    int waiting = 0;  // callers waiting for a connection
  };
  PoolStats pool_stats();

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
  int waiting_ = 0;
};

}  // namespace araldo::store
