#include "daemon/store/operations_store.hpp"

#include "daemon/store/pq.hpp"

namespace araldo::store {

OperationsSnapshot operations_snapshot(Database& db) {
  return db.with_connection([](pqxx::connection& c) {
    OperationsSnapshot out;
    Snapshot tx(c);
    // Unfinished rows only: the partial indexes cover them; sent and failed rows are
    // counted as they finish (araldo_deliveries_finished_total).
    for (const auto& r :
         tx.exec("SELECT channel, state, count(*) FROM deliveries"
                 " WHERE state IN ('pending','retrying','sending') GROUP BY channel, state")) {
      out.unfinished[{r[0].as<std::string>(), r[1].as<std::string>()}] = r[2].as<long long>();
    }
    for (const auto& r : tx.exec(
             "SELECT channel, count(*), extract(epoch FROM now() - min(next_attempt_at))"
             "  FROM deliveries WHERE state IN ('pending','retrying') AND next_attempt_at <= now()"
             " GROUP BY channel")) {
      out.due[r[0].as<std::string>()] = r[1].as<long long>();
      out.oldest_due_seconds[r[0].as<std::string>()] = r[2].as<double>();
    }
    for (const auto& r :
         tx.exec("SELECT channel, greatest(0, extract(epoch FROM next_slot - now()))"
                 "  FROM channel_buckets")) {
      out.slots_booked_seconds[r[0].as<std::string>()] = r[1].as<double>();
    }
    // Events after the last seal's (xid, id), in the order the sequencer seals them.
    const auto sealed = tx.exec1(
        "WITH head AS (SELECT last_xid, last_event_id FROM audit_heads"
        "               ORDER BY tree_size DESC LIMIT 1)"
        " SELECT count(*), coalesce(extract(epoch FROM now() - min(e.at)), 0)"
        "   FROM audit_events e"
        "  WHERE NOT EXISTS (SELECT 1 FROM head)"
        "     OR (e.xid, e.id) > (SELECT last_xid, last_event_id FROM head)");
    out.unsealed_events = sealed[0].as<long long>();
    out.sealing_lag_seconds = sealed[1].as<double>();
    out.inbound_waiting =
        tx.exec1("SELECT count(*) FROM inbound_items WHERE processed_at IS NULL")[0]
            .as<long long>();
    for (const auto& r : tx.exec("SELECT channel, from_target, to_target,"
                                 "       to_json(migrated_at)#>>'{}' FROM target_migrations"
                                 " ORDER BY channel, from_target")) {
      out.migrations.push_back({r[0].as<std::string>(), r[1].as<std::string>(),
                                r[2].as<std::string>(), r[3].as<std::string>()});
    }
    return out;
  });
}

}  // namespace araldo::store
