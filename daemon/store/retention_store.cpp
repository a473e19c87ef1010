#include "daemon/store/retention_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

Swept sweep_personal_data(Database& db, std::chrono::seconds replay_window,
                          std::chrono::seconds retention, const privacy::Pseudonyms& pseudonyms,
                          int batch, long long after_delivery_id) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    Swept out;
    const auto window = static_cast<double>(replay_window.count());
    const auto kept = static_cast<double>(retention.count());
    out.inbound_items =
        tx.exec_params(
              "DELETE FROM inbound_items WHERE id IN (SELECT id FROM inbound_items"
              "  WHERE processed_at IS NOT NULL AND received_at < now() - make_interval(secs => $1)"
              "  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)",
              window, batch)
            .affected_rows();
    out.inbound_bodies =
        tx.exec_params(
              "DELETE FROM inbound_bodies b WHERE id IN (SELECT id FROM inbound_bodies b"
              "  WHERE received_at < now() - make_interval(secs => $1)"
              "    AND NOT EXISTS (SELECT 1 FROM inbound_items i WHERE i.body_id = b.id)"
              "  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)",
              kept, batch)
            .affected_rows();
    // A conversation nobody has written in for the retention period goes, messages and all.
    out.conversations = tx.exec_params(
                              "DELETE FROM conversations WHERE id IN (SELECT id FROM conversations"
                              "  WHERE updated_at < now() - make_interval(secs => $1)"
                              "  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)",
                              kept, batch)
                            .affected_rows();
    // Pseudonyms are keyed in C++: the targets come out, their pseudonyms go back in.
    boost::json::array renamed;
    for (const auto& r : tx.exec_params(
             "SELECT id, target FROM deliveries"
             " WHERE id > $3 AND finished_at < now() - make_interval(secs => $1)"
             "   AND araldo_personal_target(channel_type, target) AND target NOT LIKE 'sub:%'"
             " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
             kept, batch, after_delivery_id)) {
      out.last_delivery_id = r[0].as<long long>();
      const auto target = r[1].as<std::string>();
      renamed.push_back({{"id", r[0].as<long long>()},
                         {"pseudonym", pseudonyms.of(target)},
                         {"pattern", "(?<![0-9])" + target + "(?![0-9])"}});
    }
    if (!renamed.empty()) {
      out.delivery_targets =
          tx.exec_params(
                "UPDATE deliveries d SET target = r.pseudonym,"
                "   last_error = regexp_replace(d.last_error, r.pattern, r.pseudonym, 'g'),"
                "   receipt_error = regexp_replace(d.receipt_error, r.pattern, r.pseudonym, 'g')"
                "  FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, pseudonym text,"
                "                                          pattern text)"
                " WHERE d.id = r.id AND NOT EXISTS (SELECT 1 FROM deliveries o"
                "   WHERE o.alert_id = d.alert_id AND o.channel = d.channel"
                "     AND o.part = d.part AND o.round = d.round AND o.target = r.pseudonym)",
                boost::json::serialize(renamed))
              .affected_rows();
    }
    if (out.any()) {
      append_audit_event(
          tx, {system_actor, "privacy.retention_applied", std::nullopt, std::nullopt,
               boost::json::object{{"inbound_items_deleted", out.inbound_items},
                                   {"inbound_bodies_deleted", out.inbound_bodies},
                                   {"delivery_targets_pseudonymised", out.delivery_targets},
                                   {"conversations_deleted", out.conversations},
                                   {"replay_window_days", replay_window.count() / 86400},
                                   {"retention_days", retention.count() / 86400}}});
    }
    tx.commit();
    return out;
  });
}

}  // namespace araldo::store
