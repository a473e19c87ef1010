#pragma once
// What the dispatcher needs from the queue of deliveries, and nothing about how it is
// kept. store/pg_delivery_queue is the real one (PostgreSQL, LISTEN/NOTIFY); the tests
// drive the dispatcher with one in memory, without a database.
//
// Losing the queue (the database) is store::DatabaseUnavailable (store/
// database_unavailable.hpp), which the dispatcher waits out with backoff. A row the
// database refuses never fails a whole call: the queue isolates it, ends that delivery
// as failed with what the database said, and goes on with the rest.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/delivery/delivery_records.hpp"

namespace araldo::delivery {

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
  virtual delivery::PacedClaim claim(const std::string& owner, int limit,
                                     std::chrono::milliseconds lease, const std::string& channel,
                                     const delivery::PacedClaimRate& rate,
                                     std::chrono::milliseconds validity_without_expiry) = 0;
  // Due deliveries of channels not in `configured` (to be failed with the reason).
  virtual std::vector<delivery::ClaimedDelivery> claim_unconfigured(
      const std::string& owner, int limit, std::chrono::milliseconds lease,
      const std::vector<std::string>& configured) = 0;
  // Per record: whether `owner` still held the lease and the outcome was written, and
  // whether the database refused it (then the delivery was written as failed instead).
  virtual std::vector<Recorded> record(const std::string& owner,
                                       const std::vector<AttemptRecord>& records) = 0;
  // How long until one of `channels` has a delivery due; nothing waiting: nullopt.
  virtual std::optional<std::chrono::milliseconds> time_until_next_due(
      const std::vector<std::string>& channels) = 0;
  // Sweeps: expired alerts' deliveries, poison rows; each returns how many.
  virtual int expire_due() = 0;
  virtual int fail_abandoned() = 0;
  // Hands back every lease `owner` holds (at shutdown).
  virtual int release_leases(const std::string& owner) = 0;
  // Rows claims and sweeps found refused and failed since the last call (for /metrics).
  virtual int take_refused_rows() { return 0; }
  // Channels with work made due by a record or a sweep (a correction that waited for a
  // post in flight), to claim at once.
  virtual std::vector<std::string> take_woken_channels() { return {}; }
};

}  // namespace araldo::delivery
