#include "daemon/store/pg_delivery_queue.hpp"

#include "daemon/store/alert_store.hpp"
#include "daemon/store/delivery_queue_store.hpp"
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

PgDeliveryQueue::PgDeliveryQueue(config::Secret dsn, const privacy::Pseudonyms& pseudonyms)
    : dsn_(std::move(dsn)), pseudonyms_(pseudonyms) {}
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
    throw CommitInDoubt(std::string("commit in doubt: ") + e.what());
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

void PgDeliveryQueue::release_corrections(pqxx::connection& c) {
  for (auto& channel : release_waiting_corrections(c)) woken_.push_back(std::move(channel));
}

std::vector<std::string> PgDeliveryQueue::take_woken_channels() {
  return std::exchange(woken_, {});
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

delivery::PacedClaim PgDeliveryQueue::claim(const std::string& owner, int limit,
                                            std::chrono::milliseconds lease,
                                            const std::string& channel,
                                            const delivery::PacedClaimRate& rate,
                                            std::chrono::milliseconds validity_without_expiry) {
  return run([&](pqxx::connection& c) {
    try {
      return claim_paced(c, owner, limit, lease, channel, rate, validity_without_expiry);
    } catch (const pqxx::sql_error& e) {
      if (!c.is_open() || !is_row_refusal(e)) throw;
    }
    // One row is refused: claim one at a time, failing each row refused, so the rest of
    // the channel's queue goes on at once.
    delivery::PacedClaim out;
    for (int i = 0; i < limit; ++i) {
      try {
        auto one = claim_paced(c, owner, 1, lease, channel, rate, validity_without_expiry);
        const bool none = one.claimed.empty();
        for (auto& d : one.claimed) out.claimed.push_back(std::move(d));
        out.limited_by_rate = one.limited_by_rate;
        out.next_claim_in = one.next_claim_in;
        if (none) break;
      } catch (const pqxx::sql_error& e) {
        if (!c.is_open() || !is_row_refusal(e)) throw;
        const auto ids = first_claimable(c, channel);
        if (ids.empty() || !fail_refused_row(c, ids.front(), refusal_message(e), "its claim"))
          throw;
        ++refused_rows_;
      }
    }
    return out;
  });
}

std::vector<delivery::ClaimedDelivery> PgDeliveryQueue::claim_unconfigured(
    const std::string& owner, int limit, std::chrono::milliseconds lease,
    const std::vector<std::string>& configured) {
  return run([&](pqxx::connection& c) {
    return claim_due(c, owner, limit, lease, delivery::ChannelFilter{configured, false});
  });
}

namespace {

// Writes records[first, last) in one transaction; a batch the database refuses is split
// in halves down to the row it refuses, which is written as failed on its own.
void record_isolating(pqxx::connection& c, const std::string& owner,
                      const std::vector<delivery::AttemptRecord>& records, std::size_t first,
                      std::size_t last, std::vector<delivery::Recorded>& out,
                      const privacy::Pseudonyms& pseudonyms, bool& of_cancelled_alert) {
  if (first >= last) return;
  try {
    const std::vector<delivery::AttemptRecord> batch(records.begin() + first,
                                                     records.begin() + last);
    const auto written = record_attempts(c, owner, batch, pseudonyms, &of_cancelled_alert);
    for (std::size_t i = 0; i < written.size(); ++i) out[first + i].written = written[i];
    return;
  } catch (const pqxx::sql_error& e) {
    if (!c.is_open() || !is_row_refusal(e)) throw;
    if (last - first == 1) {
      out[first].written = record_refused(c, owner, records[first], refusal_message(e));
      out[first].refused = refusal_message(e);
      return;
    }
  }
  const auto middle = first + (last - first) / 2;
  record_isolating(c, owner, records, first, middle, out, pseudonyms, of_cancelled_alert);
  record_isolating(c, owner, records, middle, last, out, pseudonyms, of_cancelled_alert);
}

}  // namespace

std::vector<delivery::Recorded> PgDeliveryQueue::record(
    const std::string& owner, const std::vector<delivery::AttemptRecord>& records) {
  return run([&](pqxx::connection& c) {
    std::vector<delivery::Recorded> out(records.size());
    bool of_cancelled_alert = false;
    record_isolating(c, owner, records, 0, records.size(), out, pseudonyms_, of_cancelled_alert);
    // Corrections wait only for posts of a cancelled or updated alert.
    if (of_cancelled_alert) release_corrections(c);
    return out;
  });
}

std::optional<std::chrono::milliseconds> PgDeliveryQueue::time_until_next_due(
    const std::vector<std::string>& channels) {
  return run([&](pqxx::connection& c) {
    return store::time_until_next_due(c, delivery::ChannelFilter{channels, true});
  });
}

int PgDeliveryQueue::expire_due() {
  return run([&](pqxx::connection& c) {
    const int n = store::expire_due(c, [&] { ++refused_rows_; }) +
                  store::cancel_late(c, [&] { ++refused_rows_; });
    release_corrections(c);
    return n;
  });
}

int PgDeliveryQueue::fail_abandoned() {
  return run([&](pqxx::connection& c) {
    const int n = store::fail_abandoned(c, [&] { ++refused_rows_; });
    release_corrections(c);
    return n;
  });
}

int PgDeliveryQueue::release_leases(const std::string& owner) {
  return run([&](pqxx::connection& c) {
    return store::release_leases(c, owner, [&] { ++refused_rows_; });
  });
}

}  // namespace araldo::store
