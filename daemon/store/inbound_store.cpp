#include "daemon/store/inbound_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::store {
namespace {

StoredItems insert_items(pqxx::work& tx, const std::string& channel, std::string_view body,
                         const std::vector<channels::InboundItem>& items) {
  boost::json::array rows;
  for (const auto& i : items) {
    rows.push_back({{"kind", i.kind}, {"key", i.key}, {"payload", i.payload}});
  }
  // The body is kept even when every item is a duplicate: it is what the platform sent.
  const auto r = tx.exec_params1(
      "WITH body AS (INSERT INTO inbound_bodies (channel, body) VALUES ($1, $2) RETURNING id),"
      " added AS ("
      "  INSERT INTO inbound_items (channel, kind, key, body_id, payload)"
      "  SELECT $1, i.kind, i.key, (SELECT id FROM body), i.payload"
      "    FROM jsonb_to_recordset($3::jsonb) AS i(kind text, key text, payload text)"
      "  ON CONFLICT (channel, kind, key) DO NOTHING RETURNING 1)"
      " SELECT count(*) FROM added",
      channel, std::string(body), boost::json::serialize(rows));
  const long long fresh = r[0].as<long long>();
  return {fresh, static_cast<long long>(items.size()) - fresh};
}

// Applies one receipt; returns the outcome, or nullopt when no delivery has that id yet.
std::optional<std::string> apply_receipt(pqxx::work& tx, const std::string& channel,
                                         const channels::Receipt& r, const std::string& key) {
  // Ranked sent < delivered < read < failed: a late "sent" never undoes a "read".
  const auto updated = tx.exec_params(
      "UPDATE deliveries SET receipt = $3,"
      "   receipt_at = CASE WHEN $4::bigint > 0 THEN to_timestamp($4::bigint) ELSE now() END,"
      "   receipt_error = NULLIF($5, ''), updated_at = now()"
      " WHERE channel = $1 AND platform_id = $2"
      "   AND coalesce(array_position(ARRAY['sent','delivered','read','failed'], receipt), 0)"
      "       < array_position(ARRAY['sent','delivered','read','failed'], $3::text)"
      " RETURNING id, alert_id::text",
      channel, r.platform_id, r.state, r.at, r.error);
  if (updated.empty()) {
    const auto known =
        tx.exec_params("SELECT 1 FROM deliveries WHERE channel = $1 AND platform_id = $2 LIMIT 1",
                       channel, r.platform_id);
    if (known.empty()) return std::nullopt;
    return std::string("stale");  // the delivery already has this receipt or a later one
  }
  std::vector<AuditEvent> events;
  for (const auto& row : updated) {
    boost::json::object detail{
        {"channel", channel}, {"platform_id", r.platform_id}, {"receipt", r.state}, {"key", key}};
    if (r.at > 0) detail["platform_time"] = r.at;
    if (!r.error.empty()) detail["error"] = r.error;
    events.push_back({system_actor, "delivery.receipt", row[1].as<std::string>(),
                      row[0].as<long long>(), std::move(detail)});
  }
  append_audit_events(tx, events);
  return std::string("applied");
}

// The outcome, and the language the citizen had subscribed in (when leaving).
std::pair<std::string, std::string> apply_subscription(pqxx::work& tx, const std::string& channel,
                                                       const channels::SubscriptionChange& c,
                                                       const std::string& key) {
  boost::json::object detail{
      {"channel", channel}, {"address", c.address}, {"evidence", c.evidence}, {"key", key}};
  if (c.at > 0) detail["platform_time"] = c.at;
  if (c.subscribe) {
    // Consent is recorded with the time the citizen gave it, as the platform stamped it.
    tx.exec_params(
        "INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
        " VALUES ($1, $2, $3, CASE WHEN $4::bigint > 0 THEN to_timestamp($4::bigint)"
        "                          ELSE now() END, 'citizen')"
        " ON CONFLICT (channel, address) DO UPDATE"
        "   SET language = EXCLUDED.language, consent_at = EXCLUDED.consent_at",
        channel, c.address, c.language, c.at);
    detail["language"] = c.language;
    append_audit_event(tx, {"citizen", "subscriber.opted_in", std::nullopt, std::nullopt, detail});
    return {"opted_in", c.language};
  }
  const auto removed = tx.exec_params(
      "DELETE FROM subscribers WHERE channel = $1 AND address = $2 RETURNING language", channel,
      c.address);
  detail["was_subscribed"] = !removed.empty();
  append_audit_event(tx, {"citizen", "subscriber.opted_out", std::nullopt, std::nullopt, detail});
  return {"opted_out", removed.empty() ? std::string() : removed[0][0].as<std::string>()};
}

}  // namespace

StoredItems store_inbound(Database& db, const std::string& channel, std::string_view body,
                          const std::vector<channels::InboundItem>& items) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto out = insert_items(tx, channel, body, items);
    tx.commit();
    return out;
  });
}

StoredItems store_polled(Database& db, const std::string& channel, std::string_view body,
                         const std::vector<channels::InboundItem>& items, long long next_offset) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto out = insert_items(tx, channel, body, items);
    tx.exec_params(
        "INSERT INTO inbound_offsets (channel, next_offset) VALUES ($1, $2)"
        " ON CONFLICT (channel) DO UPDATE"
        "   SET next_offset = greatest(inbound_offsets.next_offset, EXCLUDED.next_offset)",
        channel, next_offset);
    tx.commit();
    return out;
  });
}

std::optional<long long> lease_polling(Database& db, const std::string& channel,
                                       const std::string& owner, std::chrono::seconds ttl) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<long long> {
    pqxx::work tx(c);
    const auto r = tx.exec_params(
        "INSERT INTO inbound_offsets (channel, next_offset, lease_owner, lease_until)"
        " VALUES ($1, 0, $2, now() + make_interval(secs => $3))"
        " ON CONFLICT (channel) DO UPDATE"
        "   SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)"
        " WHERE inbound_offsets.lease_owner = $2 OR inbound_offsets.lease_until IS NULL"
        "    OR inbound_offsets.lease_until < now()"
        " RETURNING next_offset",
        channel, owner, static_cast<double>(ttl.count()));
    tx.commit();
    if (r.empty()) return std::nullopt;
    return r[0][0].as<long long>();
  });
}

void audit_refused_webhook(Database& db, const std::string& channel, const std::string& verdict,
                           const std::string& detail, std::string_view body) {
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    append_audit_event(tx, {"anonymous",
                            "webhook.refused",
                            std::nullopt,
                            std::nullopt,
                            {{"channel", channel},
                             {"verdict", verdict},
                             {"detail", detail},
                             {"body_sha256", text::sha256_hex(body)},
                             {"body_bytes", body.size()}}});
    tx.commit();
  });
}

ProcessedBatch process_inbound(Database& db, int limit, const MeaningOf& meaning,
                               std::chrono::seconds retry, std::chrono::seconds give_up) {
  return db.with_connection([&](pqxx::connection& c) {
    ProcessedBatch out;
    pqxx::work tx(c);
    const auto rows = tx.exec_params(
        "SELECT id, channel, kind, key, payload::text,"
        "       extract(epoch FROM now() - received_at)::bigint"
        "  FROM inbound_items WHERE processed_at IS NULL AND next_try_at <= now()"
        " ORDER BY next_try_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit);
    for (const auto& row : rows) {
      const auto id = row[0].as<long long>();
      const auto channel = row[1].as<std::string>();
      channels::InboundItem item{row[2].as<std::string>(), row[3].as<std::string>(),
                                 row[4].as<std::string>(), std::nullopt};
      const auto age = std::chrono::seconds(row[5].as<long long>());
      const auto m = meaning(channel, item);
      if (!m) {
        tx.exec_params(
            "UPDATE inbound_items SET next_try_at = now() + make_interval(secs => $2) WHERE id = "
            "$1",
            id, static_cast<double>(retry.count()));
        ++out.waiting;
        continue;
      }
      std::string outcome;
      if (const auto* r = std::get_if<channels::Receipt>(&*m)) {
        auto applied = apply_receipt(tx, channel, *r, item.key);
        if (!applied && age < give_up) {
          tx.exec_params(
              "UPDATE inbound_items SET next_try_at = now() + make_interval(secs => $2)"
              " WHERE id = $1",
              id, static_cast<double>(retry.count()));
          ++out.waiting;
          continue;
        }
        outcome = applied.value_or("unknown_message");
      } else if (const auto* s = std::get_if<channels::SubscriptionChange>(&*m)) {
        const auto [applied, language] = apply_subscription(tx, channel, *s, item.key);
        outcome = applied;
        auto text = s->confirmation;
        if (const auto it = s->confirmation_in.find(language); it != s->confirmation_in.end()) {
          text = it->second;
        }
        if (text) out.answers.push_back({channel, s->address, *text, s->answer_by, item.key});
      } else {
        outcome = "ignored: " + std::get<channels::Ignored>(*m).why;
      }
      tx.exec_params("UPDATE inbound_items SET processed_at = now(), outcome = $2 WHERE id = $1",
                     id, outcome);
      out.outcomes.emplace_back(item.kind, outcome.substr(0, outcome.find(':')));
      ++out.processed;
    }
    tx.commit();
    return out;
  });
}

void audit_answer(Database& db, const PendingAnswer& answer, const std::string& outcome,
                  const std::string& detail) {
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    boost::json::object d{{"channel", answer.channel},
                          {"address", answer.address},
                          {"outcome", outcome},
                          {"key", answer.item_key}};
    if (!detail.empty()) d["detail"] = detail;
    append_audit_event(tx, {system_actor, "subscriber.answered", std::nullopt, std::nullopt, d});
    tx.commit();
  });
}

}  // namespace araldo::store
