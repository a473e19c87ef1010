#include "tests/support/test_database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "daemon/store/migrator.hpp"

namespace araldo::test_support {

std::string admin_dsn() {
  const char* dsn = std::getenv("ARALDO_TEST_PG");
  if (!dsn) throw std::runtime_error("ARALDO_TEST_PG is not set: run the tests through ctest");
  return dsn;
}

TestDatabase::TestDatabase(bool migrate) : TestDatabase(migrate, admin_dsn()) {}

TestDatabase::TestDatabase(bool migrate, std::string admin) : admin_(std::move(admin)) {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? std::string(info->name()) : "db";
  for (auto& c : test) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
  name_ =
      "t_" + test.substr(0, 30) + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  {
    pqxx::connection admin(admin_);
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP DATABASE IF EXISTS " + name_);
    tx.exec0("CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8'");
  }
  dsn_ = admin_ + " dbname=" + name_;
  if (migrate) {
    pqxx::connection c(dsn_);
    store::apply_migrations(c);
  }
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_);
    pqxx::nontransaction tx(admin);
    tx.exec0("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

std::string TestDatabase::scalar(const std::string& sql) const {
  pqxx::connection c(dsn_);
  pqxx::nontransaction tx(c);
  auto r = tx.exec1(sql);
  return r[0].is_null() ? "" : r[0].as<std::string>();
}

void TestDatabase::exec(const std::string& sql) const {
  pqxx::connection c(dsn_);
  pqxx::nontransaction tx(c);
  tx.exec0(sql);
}

long long TestDatabase::count(const std::string& table) const {
  return std::stoll(scalar("SELECT count(*) FROM " + table));
}

}  // namespace araldo::test_support
