#pragma once
// What the dispatcher needs from the queue of deliveries, and nothing about how it is
// kept. store/pg_delivery_queue is the real one (PostgreSQL, LISTEN/NOTIFY); the tests
// drive the dispatcher with one in memory, without a database.
//
// Losing the queue (the database) is store::DatabaseUnavailable, which the dispatcher
// waits out with backoff; any other exception is a failed statement, reported and
// retried at the next sweep.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/database_unavailable.hpp"
#include "daemon/store/delivery_types.hpp"

namespace araldo::dispatch {

class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;

  // Connects and subscribes to other daemons' announcements; throws DatabaseUnavailable.
  virtual void open() = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // Readable when another daemon announced work (-1 while closed).
  virtual int wake_fd() const = 0;
  // Consumes what arrived on wake_fd(): whether another daemon announced work.
  virtual bool take_announcements() = 0;
  // Tells the other daemons that work is due.
  virtual void announce() = 0;

  // Up to `limit` due deliveries of `channel`, each with its send slot from the
  // channel's shared rate, leased to `owner`.
  virtual store::PacedClaim claim(const std::string& owner, int limit,
                                  std::chrono::milliseconds lease, const std::string& channel,
                                  const store::PacedClaimRate& rate,
                                  std::chrono::milliseconds validity_without_expiry) = 0;
  // Due deliveries of channels not in `configured` (to be failed with the reason).
  virtual std::vector<store::ClaimedDelivery> claim_unconfigured(
      const std::string& owner, int limit, std::chrono::milliseconds lease,
      const std::vector<std::string>& configured) = 0;
  // Per record, whether `owner` still held the lease and the outcome was written.
  virtual std::vector<bool> record(const std::string& owner,
                                   const std::vector<store::AttemptRecord>& records) = 0;
  // How long until one of `channels` has a delivery due; nothing waiting: nullopt.
  virtual std::optional<std::chrono::milliseconds> time_until_next_due(
      const std::vector<std::string>& channels) = 0;
  // Sweeps: expired alerts' deliveries, poison rows; each returns how many.
  virtual int expire_due() = 0;
  virtual int fail_abandoned() = 0;
  // Hands back every lease `owner` holds (at shutdown).
  virtual int release_leases(const std::string& owner) = 0;
};

}  // namespace araldo::dispatch
