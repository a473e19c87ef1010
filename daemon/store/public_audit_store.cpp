#include "daemon/store/public_audit_store.hpp"

#include "daemon/store/audit_rows.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

std::string raw_bytes(const pqxx::field& f) {
  const pqxx::binarystring b(f);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

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

std::optional<StoredHead> published_head(Database& db, std::uint64_t size) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<StoredHead> {
    pqxx::read_transaction tx(c);
    const std::string select = std::string("SELECT ") + kHeadColumns + " FROM audit_heads ";
    const auto r = size == 0 ? tx.exec(select + "ORDER BY tree_size DESC LIMIT 1")
                             : tx.exec_params(select + "WHERE tree_size = $1", size);
    if (r.empty()) return std::nullopt;
    return head_row(r[0]);
  });
}

std::vector<std::string> published_leaves(Database& db, std::uint64_t size) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<std::string> out;
    out.reserve(size);
    for (const auto& r :
         tx.exec_params("SELECT leaf_hash FROM audit_leaves WHERE seq < $1 ORDER BY seq", size)) {
      out.push_back(raw_bytes(r[0]));
    }
    return out;
  });
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

}  // namespace araldo::store
