#pragma once
// The store's own view of the database: libpqxx, a pooled connection, one snapshot.
// Included only by daemon/store and its tests.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "daemon/store/database.hpp"

namespace araldo::store {

// A read-only transaction whose statements all see one snapshot. pqxx::read_transaction
// is READ COMMITTED: each statement there sees its own snapshot, so a summary and a
// listing read one after the other can disagree while the dispatcher works.
using Snapshot =
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>;

// A text column that may be NULL.
inline std::optional<std::string> text_or_null(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

// A savepoint in `tx`, rolled back unless released: a statement that fails inside it
// leaves `tx` usable. Not pqxx::subtransaction: libpqxx 6.4 begins one lazily and its
// exec_params does not begin it, so the savepoint was never set and one failed statement
// aborted the whole transaction.
class Savepoint {
 public:
  Savepoint(pqxx::transaction_base& tx, std::string name) : tx_(tx), name_(std::move(name)) {
    tx_.exec0("SAVEPOINT " + name_);
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release() {
    tx_.exec0("RELEASE SAVEPOINT " + name_);
    released_ = true;
  }
  ~Savepoint() {
    if (released_) return;
    try {
      tx_.exec0("ROLLBACK TO SAVEPOINT " + name_);
    } catch (const std::exception&) {
      // The connection is gone: the statement after it fails, and says so.
    }
  }

 private:
  pqxx::transaction_base& tx_;
  std::string name_;
  bool released_ = false;
};

// Opens one connection; throws DatabaseUnavailable (never a message with the password).
std::unique_ptr<pqxx::connection> connect(const config::Secret& dsn);

// Whether an error is one row's fault, which splitting a batch isolates: 22, a value the
// database cannot keep (a NUL, bad UTF-8, too long); 23, a constraint; P0, a trigger's
// RAISE. Anything else (permissions, a timeout, a deadlock, a lost connection) is not one
// row's fault: splitting would only fail good rows.
inline bool is_row_refusal(const pqxx::sql_error& e) {
  const auto& state = e.sqlstate();
  return state.starts_with("22") || state.starts_with("23") || state.starts_with("P0");
}

// What a refusal says, without PostgreSQL's DETAIL line: for a constraint that line quotes
// the row's values (a subscriber's number, a chat id), which must not reach a log or the
// audit log. The first line names the constraint or the trigger's message.
inline std::string refusal_message(const pqxx::sql_error& e) {
  const std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

template <typename Fn>
auto Database::with_connection(Fn&& fn) {
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
      throw CommitInDoubt(std::string("commit in doubt: ") + e.what());
    }
  }
}

}  // namespace araldo::store
