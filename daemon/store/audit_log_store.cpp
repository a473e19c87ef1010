#include "daemon/store/audit_log_store.hpp"

#include <boost/json.hpp>

namespace araldo::store {
namespace {
// Taken by sequencers only, inside their own transaction: writers never see it.
constexpr long long sequencer_lock = 4716742361213257030;

}  // namespace

SealOutcome seal_audit_events(pqxx::connection& conn, int batch, const ComputeSeal& compute) {
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
