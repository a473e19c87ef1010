#pragma once
// The queue of deliveries in PostgreSQL, for the dispatcher: one connection that LISTENs
// for other daemons' announcements and runs the store thread's statements between them
// (libpqxx allows both on one connection). Connection trouble becomes
// DatabaseUnavailable; a failed statement on a live connection, std::runtime_error.
#include <memory>
#include <utility>

#include "daemon/config/secret.hpp"
#include "daemon/delivery/delivery_queue.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"  // pqxx::connection

namespace araldo::store {

class PgDeliveryQueue final : public delivery::DeliveryQueue {
 public:
  PgDeliveryQueue(config::Secret dsn, const privacy::Pseudonyms& pseudonyms);
  ~PgDeliveryQueue() override;

  void open() override;
  void close() override;
  bool is_open() const override { return listener_ != nullptr; }
  int wake_fd() const override;
  bool take_announcements() override;
  void announce() override;

  delivery::PacedClaim claim(const std::string& owner, int limit, std::chrono::milliseconds lease,
                             const std::string& channel, const delivery::PacedClaimRate& rate,
                             std::chrono::milliseconds validity_without_expiry) override;
  std::vector<delivery::ClaimedDelivery> claim_unconfigured(
      const std::string& owner, int limit, std::chrono::milliseconds lease,
      const std::vector<std::string>& configured) override;
  std::vector<delivery::Recorded> record(
      const std::string& owner, const std::vector<delivery::AttemptRecord>& records) override;
  std::optional<std::chrono::milliseconds> time_until_next_due(
      const std::vector<std::string>& channels) override;
  int expire_due() override;
  int fail_abandoned() override;
  int release_leases(const std::string& owner) override;
  int take_refused_rows() override { return std::exchange(refused_rows_, 0); }
  std::vector<std::string> take_woken_channels() override;

 private:
  struct Listener;
  template <typename Fn>
  auto run(Fn&& fn);

  config::Secret dsn_;
  const privacy::Pseudonyms& pseudonyms_;
  std::unique_ptr<Listener> listener_;
  int refused_rows_ = 0;            // by claims and sweeps (records report their own)
  std::vector<std::string> woken_;  // channels whose corrections were released
  void release_corrections(pqxx::connection& c);
};

}  // namespace araldo::store
