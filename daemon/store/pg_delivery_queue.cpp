#include "daemon/store/pg_delivery_queue.hpp"

#include "daemon/store/alert_store.hpp"
#include "daemon/store/delivery_store.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

struct PgDeliveryQueue::Listener {
  struct Receiver : pqxx::notification_receiver {
    Receiver(pqxx::connection& c, bool& flag)
        : pqxx::notification_receiver(c, deliveries_notify_channel),
          woken(flag),
          own_pid(c.backendpid()) {}
    void operator()(const std::string&, int backend_pid) override {
      if (backend_pid != own_pid) woken = true;  // our own announcement tells us nothing
    }
    bool& woken;
    int own_pid;
  };

  explicit Listener(std::unique_ptr<pqxx::connection> c) : conn(std::move(c)) {
    receiver = std::make_unique<Receiver>(*conn, woken);
  }
  ~Listener() { receiver.reset(); }  // before the connection it listens on

  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<Receiver> receiver;
  bool woken = false;
};

PgDeliveryQueue::PgDeliveryQueue(config::Secret dsn) : dsn_(std::move(dsn)) {}
PgDeliveryQueue::~PgDeliveryQueue() = default;

// Runs fn(connection), translating libpqxx's errors into the queue's two kinds.
template <typename Fn>
auto PgDeliveryQueue::run(Fn&& fn) {
  if (!listener_) throw DatabaseUnavailable("not connected to the database");
  try {
    return fn(*listener_->conn);
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnavailable(e.what());
  } catch (const pqxx::in_doubt_error& e) {
    throw DatabaseUnavailable(std::string("commit in doubt: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    if (!listener_->conn->is_open()) throw DatabaseUnavailable(e.what());
    throw std::runtime_error(std::string(e.what()) + " (query: " + e.query() + ")");
  }
}

void PgDeliveryQueue::open() {
  if (listener_) return;
  auto listener = std::make_unique<Listener>(connect(dsn_));
  // Subscribing takes effect at once; anything queued before it is found by the claim.
  try {
    listener->conn->get_notifs();
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnavailable(e.what());
  }
  listener_ = std::move(listener);
}

void PgDeliveryQueue::close() {
  listener_.reset();
}

int PgDeliveryQueue::wake_fd() const {
  return listener_ ? listener_->conn->sock() : -1;
}

bool PgDeliveryQueue::take_announcements() {
  return run([&](pqxx::connection& c) {
    listener_->woken = false;
    c.get_notifs();
    return listener_->woken;
  });
}

void PgDeliveryQueue::announce() {
  run([&](pqxx::connection& c) { announce_new_work(c); });
}

PacedClaim PgDeliveryQueue::claim(const std::string& owner, int limit,
                                  std::chrono::milliseconds lease, const std::string& channel,
                                  const PacedClaimRate& rate,
                                  std::chrono::milliseconds validity_without_expiry) {
  return run([&](pqxx::connection& c) {
    return claim_paced(c, owner, limit, lease, channel, rate, validity_without_expiry);
  });
}

std::vector<ClaimedDelivery> PgDeliveryQueue::claim_unconfigured(
    const std::string& owner, int limit, std::chrono::milliseconds lease,
    const std::vector<std::string>& configured) {
  return run([&](pqxx::connection& c) {
    return claim_due(c, owner, limit, lease, ChannelFilter{configured, false});
  });
}

std::vector<bool> PgDeliveryQueue::record(const std::string& owner,
                                          const std::vector<AttemptRecord>& records) {
  return run([&](pqxx::connection& c) { return record_attempts(c, owner, records); });
}

std::optional<std::chrono::milliseconds> PgDeliveryQueue::time_until_next_due(
    const std::vector<std::string>& channels) {
  return run([&](pqxx::connection& c) {
    return store::time_until_next_due(c, ChannelFilter{channels, true});
  });
}

int PgDeliveryQueue::expire_due() {
  return run([&](pqxx::connection& c) { return store::expire_due(c); });
}

int PgDeliveryQueue::fail_abandoned() {
  return run([&](pqxx::connection& c) { return store::fail_abandoned(c); });
}

int PgDeliveryQueue::release_leases(const std::string& owner) {
  return run([&](pqxx::connection& c) { return store::release_leases(c, owner); });
}

}  // namespace araldo::store
