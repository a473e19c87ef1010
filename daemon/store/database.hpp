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

namespace araldo::store {

struct DatabaseUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Opens one connection; throws DatabaseUnavailable (never a message with the password).
std::unique_ptr<pqxx::connection> connect(const config::Secret& dsn);

class Database {
 public:
  Database(config::Secret dsn, int pool_size);

  // Runs fn(pqxx::connection&). A broken connection is dropped and reported as
  // DatabaseUnavailable; other exceptions pass through and the connection is reused.
  template <typename Fn>
  auto with_connection(Fn&& fn) {
    Lease lease(*this);
    try {
      return fn(*lease.conn);
    } catch (const pqxx::broken_connection& e) {
      lease.broken = true;
      throw DatabaseUnavailable(std::string("lost the database connection: ") + e.what());
    } catch (const pqxx::in_doubt_error& e) {
      lease.broken = true;
      throw DatabaseUnavailable(std::string("commit in doubt: ") + e.what());
    } catch (const pqxx::sql_error& e) {
      // "terminating connection due to administrator command" arrives as an SQL error
      // on a connection that is then dead.
      if (lease.conn->is_open()) throw;
      lease.broken = true;
      throw DatabaseUnavailable(std::string("lost the database connection: ") + e.what());
    }
  }

 private:
  struct Lease {
    explicit Lease(Database& db);
    ~Lease();
    Database& db;
    std::unique_ptr<pqxx::connection> conn;
    bool broken = false;
  };

  config::Secret dsn_;
  int pool_size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
};

}  // namespace araldo::store
