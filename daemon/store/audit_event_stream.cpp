#include "daemon/store/audit_event_stream.hpp"

#include "daemon/store/audit_rows.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

struct AuditEventStream::Impl {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<Snapshot> tx;
};

namespace {

// A literal for the cursor's query: DECLARE takes no bind parameters.
template <typename T>
std::string literal(pqxx::transaction_base& tx, const std::optional<T>& v, const char* type) {
  if (!v) return std::string("NULL::") + type;
  return tx.quote(*v) + "::" + type;
}

}  // namespace

AuditEventStream::AuditEventStream(const config::Secret& dsn, const AuditFilter& f)
    : impl_(std::make_unique<Impl>()) {
  impl_->conn = connect(dsn);
  try {
    impl_->tx = std::make_unique<Snapshot>(*impl_->conn);
    auto& tx = *impl_->tx;
    // The filter as one row of literals, so each appears once in the query.
    const std::string filter =
        "SELECT " + literal(tx, f.since, "timestamptz") + " AS since, " +
        literal(tx, f.until, "timestamptz") + " AS until, " + literal(tx, f.alert_id, "uuid") +
        " AS alert_id, " + literal(tx, f.delivery_id, "bigint") + " AS delivery_id, " +
        literal(tx, f.actor, "text") + " AS actor, " + literal(tx, f.kind, "text") + " AS kind";
    tx.exec0(
        "DECLARE audit_export NO SCROLL CURSOR FOR"
        " SELECT " +
        std::string(kAuditRowColumns) + "  FROM (" + filter +
        ") p, audit_events e LEFT JOIN audit_leaves l ON l.event_id = e.id"
        " WHERE (p.since IS NULL OR e.at >= p.since) AND (p.until IS NULL OR e.at < p.until)"
        "   AND (p.alert_id IS NULL OR e.alert_id = p.alert_id)"
        "   AND (p.delivery_id IS NULL OR e.delivery_id = p.delivery_id)"
        "   AND (p.actor IS NULL OR e.actor = p.actor) AND (p.kind IS NULL OR e.kind = p.kind)"
        " ORDER BY e.xid, e.id");
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnavailable(std::string("lost the database connection: ") + e.what());
  }
}

AuditEventStream::~AuditEventStream() = default;

std::vector<AuditRow> AuditEventStream::next(int n) {
  std::vector<AuditRow> out;
  try {
    const auto rows = impl_->tx->exec("FETCH " + std::to_string(n) + " FROM audit_export");
    out.reserve(rows.size());
    for (const auto& r : rows) {
      out.push_back(audit_row(r));
    }
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseUnavailable(std::string("lost the database connection: ") + e.what());
  }
  return out;
}

}  // namespace araldo::store
