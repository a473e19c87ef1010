#pragma once
// A fresh database per test on the private cluster the test harness started
// (ARALDO_TEST_PG names its admin connection), migrated to the current schema and
// dropped afterwards.
#include <pqxx/pqxx>
#include <string>

#include "daemon/privacy/pseudonyms.hpp"

namespace araldo::test_support {

// The pseudonym key the tests' daemons and stores use.
inline constexpr const char* test_pseudonym_key = "test-pseudonym-key-0123";
inline const privacy::Pseudonyms test_pseudonyms{config::Secret(test_pseudonym_key)};

// The admin DSN from ARALDO_TEST_PG; fails the test when unset.
std::string admin_dsn();

class TestDatabase {
 public:
  explicit TestDatabase(bool migrate = true);
  // On another cluster: `admin` is its admin connection (a multi-host one, for a failover).
  TestDatabase(bool migrate, std::string admin);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }
  // A one-off query returning the first column of the first row as text ("" if NULL).
  std::string scalar(const std::string& sql) const;
  long long count(const std::string& table) const;
  // Runs statements that return nothing (DDL, a trigger a test installs).
  void exec(const std::string& sql) const;

 private:
  std::string admin_;
  std::string name_;
  std::string dsn_;
};

}  // namespace araldo::test_support
