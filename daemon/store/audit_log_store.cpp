#include "daemon/store/audit_log_store.hpp"

#include "daemon/store/audit_rows.hpp"

#include <boost/json.hpp>
#include <deque>
#include <future>

#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {
// Taken by sequencers only, inside their own transaction: writers never see it.
constexpr long long sequencer_lock = 4716742361213257030;

}  // namespace

SealOutcome seal_audit_events(Connection& connection, int batch, const ComputeSeal& compute) {
  auto& conn = connection.pq();
  SealOutcome result;
  pqxx::work tx(conn);
  if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", sequencer_lock)[0].as<bool>()) {
    return result;
  }
  result.had_lock = true;

  SealPoint point;
  const auto head = tx.exec(
      "SELECT tree_size, last_xid::text, last_event_id, frontier FROM audit_heads"
      " ORDER BY tree_size DESC LIMIT 1");
  if (!head.empty()) {
    point.tree_size = head[0][0].as<std::uint64_t>();
    point.last_xid = head[0][1].as<std::string>();
    point.last_event_id = head[0][2].as<long long>();
    const pqxx::binarystring frontier(head[0][3]);
    point.frontier = frontier.str();
  }
  result.tree_size = point.tree_size;

  // Everything after the last seal whose transaction is over: no later commit can add an
  // event before it, so the order is final.
  std::vector<UnsealedEvent> events;
  for (const auto& r : tx.exec_params(
           "SELECT e.id, e.xid::text, araldo_audit_entry(e.id, e.at, e.actor, e.kind,"
           "                                             e.alert_id, e.delivery_id, e.detail)"
           "  FROM audit_events e"
           " WHERE (e.xid, e.id) > ($1::xid8, $2::bigint)"
           "   AND e.xid < pg_snapshot_xmin(pg_current_snapshot())"
           " ORDER BY e.xid, e.id LIMIT $3",
           point.last_xid, point.last_event_id, batch)) {
    events.push_back({r[0].as<long long>(), r[1].as<std::string>(), r[2].as<std::string>()});
  }
  if (events.empty()) return result;

  const auto signed_at = tx.exec1(
                               "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                               " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")[0]
                             .as<std::string>();
  const auto seal = compute(point, events, signed_at);

  boost::json::array leaves;
  leaves.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    leaves.push_back(boost::json::object{
        {"seq", point.tree_size + i}, {"id", events[i].id}, {"h", seal.leaf_hashes.at(i)}});
  }
  tx.exec_params0(
      "INSERT INTO audit_leaves (seq, event_id, leaf_hash)"
      " SELECT (l->>'seq')::bigint, (l->>'id')::bigint, decode(l->>'h', 'hex')"
      "   FROM jsonb_array_elements($1::jsonb) l",
      boost::json::serialize(leaves));
  const auto tree_size = point.tree_size + events.size();
  tx.exec_params0(
      "INSERT INTO audit_heads (tree_size, root_hash, last_xid, last_event_id, frontier,"
      "                         signed_at, public_key, signature)"
      " VALUES ($1, decode($2, 'hex'), $3::xid8, $4, $5, $6, $7, $8)",
      static_cast<long long>(tree_size), seal.root_hash, events.back().xid, events.back().id,
      pqxx::binarystring(seal.frontier.data(), seal.frontier.size()), signed_at, seal.public_key,
      seal.signature);
  tx.commit();
  result.sealed = static_cast<long long>(events.size());
  result.tree_size = tree_size;
  return result;
}

}  // namespace araldo::store

namespace araldo::store {
namespace {

std::string bytes_of(const pqxx::field& f) {
  return pqxx::binarystring(f).str();
}

}  // namespace

struct AuditSnapshot::Impl {
  explicit Impl(pqxx::connection& conn) : main(conn) {}
  Snapshot main;
  std::vector<std::unique_ptr<Snapshot>> shared;
};

AuditSnapshot::AuditSnapshot(Connection& conn, const std::vector<Connection*>& readers)
    : impl_(std::make_unique<Impl>(conn.pq())) {
  // A hot standby cannot export its snapshot: there, one connection reads everything.
  if (readers.empty() || impl_->main.exec1("SELECT pg_is_in_recovery()")[0].as<bool>()) return;
  const auto snapshot = impl_->main.exec1("SELECT pg_export_snapshot()")[0].as<std::string>();
  for (auto* c : readers) {
    impl_->shared.push_back(std::make_unique<Snapshot>(c->pq()));
    impl_->shared.back()->exec0("SET TRANSACTION SNAPSHOT " +
                                impl_->shared.back()->quote(snapshot));
  }
}

AuditSnapshot::~AuditSnapshot() = default;

std::vector<StoredHead> AuditSnapshot::heads() {
  std::vector<StoredHead> out;
  for (const auto& r : impl_->main.exec(std::string("SELECT ") + kHeadColumns +
                                        " FROM audit_heads ORDER BY tree_size")) {
    out.push_back(head_row(r));
  }
  return out;
}

void AuditSnapshot::read_leaves(long long batch,
                                const std::function<bool(const std::vector<StoredLeaf>&)>& check) {
  batch = std::max(1LL, batch);
  std::vector<pqxx::transaction_base*> txs{&impl_->main};
  for (auto& t : impl_->shared) txs.push_back(t.get());
  std::deque<std::future<std::vector<StoredLeaf>>> reading;
  // Whatever happens, every read still running ends before its transaction is used again
  // or goes away.
  struct Drain {
    std::deque<std::future<std::vector<StoredLeaf>>>& reading;
    ~Drain() {
      for (auto& f : reading) {
        if (f.valid()) f.wait();
      }
    }
  } drain{reading};
  long long next_from = 0;
  auto read = [&](pqxx::transaction_base& t) {
    const auto from = next_from;
    next_from += batch;
    reading.push_back(std::async(std::launch::async, [&t, from, batch] {
      std::vector<StoredLeaf> leaves;
      leaves.reserve(static_cast<std::size_t>(batch));
      for (const auto& r : t.exec_params(
               // Each leaf's event by its key (OFFSET 0 keeps the planner from turning this
               // into a scan of every event for every batch once the log is large).
               "SELECT l.seq, l.event_id, l.leaf_hash, e.id IS NOT NULL, e.entry"
               "  FROM audit_leaves l LEFT JOIN LATERAL ("
               "    SELECT e.id, araldo_audit_entry(e.id, e.at, e.actor, e.kind, e.alert_id,"
               "                                    e.delivery_id, e.detail) AS entry"
               "      FROM audit_events e WHERE e.id = l.event_id OFFSET 0) e ON true"
               " WHERE l.seq >= $1 AND l.seq < $2 ORDER BY l.seq",
               from, from + batch)) {
        StoredLeaf leaf;
        leaf.seq = r[0].as<std::uint64_t>();
        leaf.event_id = r[1].as<long long>();
        leaf.leaf_hash = bytes_of(r[2]);
        leaf.event_exists = r[3].as<bool>();
        if (!r[4].is_null()) leaf.entry.assign(r[4].c_str(), r[4].size());
        leaves.push_back(std::move(leaf));
      }
      return leaves;
    }));
  };
  for (auto* t : txs) read(*t);
  for (std::size_t k = 0;; ++k) {
    const auto leaves = reading.front().get();
    reading.pop_front();
    const bool last = static_cast<long long>(leaves.size()) < batch;
    if (!last) read(*txs[k % txs.size()]);  // that transaction is free again
    if (!check(leaves) || last) break;
  }
  // Reads past the end may still run, one of them perhaps on the main transaction.
  for (auto& f : reading) f.wait();
  reading.clear();
}

std::pair<std::uint64_t, long long> AuditSnapshot::event_counts() {
  const auto r = impl_->main.exec1(
      "SELECT count(*) FILTER (WHERE (e.xid, e.id) <= (h.last_xid, h.last_event_id)), count(*)"
      "  FROM audit_events e LEFT JOIN (SELECT last_xid, last_event_id FROM audit_heads"
      "                                  ORDER BY tree_size DESC LIMIT 1) h ON true");
  return {r[0].as<std::uint64_t>(), r[1].as<long long>()};
}

std::optional<long long> AuditSnapshot::first_unsealed_before_last_seal() {
  const auto stray = impl_->main.exec(
      "SELECT e.id FROM audit_events e, (SELECT last_xid, last_event_id FROM audit_heads"
      "                                   ORDER BY tree_size DESC LIMIT 1) h"
      " WHERE (e.xid, e.id) <= (h.last_xid, h.last_event_id)"
      "   AND NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.event_id = e.id)"
      " ORDER BY e.id LIMIT 1");
  if (stray.empty()) return std::nullopt;
  return stray[0][0].as<long long>();
}

StoredHead head_row(const pqxx::row& r) {
  StoredHead h;
  h.tree_size = r[0].as<std::uint64_t>();
  h.root_hash = bytes_of(r[1]);
  h.signed_at = r[2].as<std::string>();
  if (!r[3].is_null()) h.public_key = r[3].as<std::string>();
  if (!r[4].is_null()) h.signature = r[4].as<std::string>();
  return h;
}

namespace {

// Each reader once, on a plain connection: an auditor's own (Connection) and the
// daemon's pool (Database, for the public routes) both call these.
std::optional<StoredHead> read_head(pqxx::connection& c, std::uint64_t size) {
  pqxx::read_transaction tx(c);
  const std::string select = std::string("SELECT ") + kHeadColumns + " FROM audit_heads ";
  const auto r = size == 0 ? tx.exec(select + "ORDER BY tree_size DESC LIMIT 1")
                           : tx.exec_params(select + "WHERE tree_size = $1", size);
  if (r.empty()) return std::nullopt;
  return head_row(r[0]);
}

std::vector<std::string> read_leaf_hashes(pqxx::connection& c, std::uint64_t size) {
  pqxx::read_transaction tx(c);
  std::vector<std::string> out;
  out.reserve(size);
  for (const auto& r :
       tx.exec_params("SELECT leaf_hash FROM audit_leaves WHERE seq < $1 ORDER BY seq",
                      static_cast<long long>(size))) {
    out.push_back(bytes_of(r[0]));
  }
  return out;
}

}  // namespace

std::optional<StoredHead> latest_head(Connection& conn) {
  return read_head(conn.pq(), 0);
}

std::optional<StoredHead> head_of_size(Connection& conn, std::uint64_t size) {
  return size == 0 ? std::nullopt : read_head(conn.pq(), size);
}

std::optional<StoredHead> published_head(Database& db, std::uint64_t size) {
  return db.with_connection([&](pqxx::connection& c) { return read_head(c, size); });
}

std::vector<StoredHead> published_heads(Database& db, std::uint64_t after, int limit) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<StoredHead> out;
    for (const auto& r :
         tx.exec_params(std::string("SELECT ") + kHeadColumns +
                            " FROM audit_heads WHERE tree_size > $1 ORDER BY tree_size LIMIT $2",
                        after, limit)) {
      out.push_back(head_row(r));
    }
    return out;
  });
}

std::vector<std::string> leaf_hashes(Database& db, std::uint64_t size) {
  return db.with_connection([&](pqxx::connection& c) { return read_leaf_hashes(c, size); });
}

std::optional<SealedEvent> sealed_acceptance(Database& db, const std::string& alert_id) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<SealedEvent> {
    pqxx::read_transaction tx(c);
    const auto r = tx.exec_params(
        "SELECT e.id, l.seq, araldo_audit_entry(e.id, e.at, e.actor, e.kind, e.alert_id,"
        "                                       e.delivery_id, e.detail)"
        "  FROM audit_events e JOIN audit_leaves l ON l.event_id = e.id"
        " WHERE e.alert_id = $1::uuid AND e.kind = 'alert.accepted'",
        alert_id);
    if (r.empty()) return std::nullopt;
    return SealedEvent{r[0][0].as<long long>(), r[0][1].as<std::uint64_t>(),
                       r[0][2].as<std::string>()};
  });
}

std::uint64_t latest_tree_size(Connection& conn) {
  pqxx::read_transaction tx(conn.pq());
  return tx.exec1("SELECT coalesce(max(tree_size), 0) FROM audit_heads")[0].as<std::uint64_t>();
}

std::vector<std::string> leaf_hashes(Connection& conn, std::uint64_t size) {
  return read_leaf_hashes(conn.pq(), size);
}

std::optional<std::uint64_t> leaf_index(Connection& conn, long long event_id) {
  pqxx::read_transaction tx(conn.pq());
  const auto r = tx.exec_params("SELECT seq FROM audit_leaves WHERE event_id = $1", event_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::uint64_t>();
}

}  // namespace araldo::store
