#include "daemon/store/alert_store.hpp"

#include <boost/json.hpp>

#include "daemon/audit/audit_event.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {
namespace {

std::optional<std::string> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

}  // namespace

namespace {

void add_parts(boost::json::array& rows, const std::string& key,
               const std::vector<RenderedPart>& parts) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    rows.push_back({{"key", key},
                    {"language", parts[i].language},
                    {"part", i + 1},
                    {"parts", parts.size()},
                    {"text", parts[i].text}});
  }
}

// Later parts wait (at infinity) until the part before them is delivered.
constexpr const char* first_part_due = "CASE WHEN r.part = 1 THEN now() ELSE 'infinity' END";

}  // namespace

AcceptedAlert insert_alert(pqxx::connection& conn, const model::Alert& alert,
                           const std::vector<NewDelivery>& deliveries,
                           const std::vector<SubscriberFanout>& fanouts, const std::string& actor,
                           const std::optional<IdempotencyKey>& idempotency) {
  const auto document = model::alert_to_json(alert);
  boost::json::array categories;
  for (const auto& c : alert.categories) categories.emplace_back(c);
  boost::json::array rows;
  for (const auto& d : deliveries) {
    for (std::size_t i = 0; i < d.parts.size(); ++i) {
      rows.push_back({{"channel", d.channel},
                      {"channel_type", d.channel_type},
                      {"target", d.target},
                      {"language", d.parts[i].language},
                      {"part", i + 1},
                      {"parts", d.parts.size()},
                      {"text", d.parts[i].text}});
    }
  }

  pqxx::work tx(conn);
  const auto row = tx.exec_params1(
      "INSERT INTO alerts (submitted_by, headline, description, instruction, event, categories,"
      " severity, urgency, certainty, area, language, sender, expires_at, web, document)"
      " VALUES ($1, $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)),"
      " $7, $8, $9, $10, $11, $12, $13::timestamptz, $14, $15::jsonb)"
      " RETURNING id::text, to_json(accepted_at)#>>'{}'",
      actor, alert.headline, alert.description, alert.instruction, alert.event,
      boost::json::serialize(categories), alert.severity, alert.urgency, alert.certainty,
      alert.area, alert.language, alert.sender, alert.expires, alert.web,
      boost::json::serialize(document));
  AcceptedAlert accepted{row[0].as<std::string>(), row[1].as<std::string>(), 0};
  const int priority = model::priority(alert);

  // Set-based: one statement whatever the number of targets.
  accepted.deliveries += tx.exec_params0(
                               "INSERT INTO deliveries (alert_id, channel, channel_type, target,"
                               " language, part, parts, priority, rendered_text, next_attempt_at)"
                               " SELECT $1::uuid, r.channel, r.channel_type, r.target, r.language,"
                               " r.part, r.parts, $2, r.text, " +
                                   std::string(first_part_due) +
                                   " FROM jsonb_to_recordset($3::jsonb) AS r(channel text,"
                                   " channel_type text, target text, language text, part int,"
                                   " parts int, text text)",
                               accepted.id, priority, boost::json::serialize(rows))
                             .affected_rows();

  boost::json::object fanned;
  for (const auto& f : fanouts) {
    boost::json::array renders;
    for (const auto& [language, parts] : f.by_language) add_parts(renders, language, parts);
    add_parts(renders, "", f.fallback);
    // Every subscriber in one statement; a language nobody rendered falls back to "".
    const auto n =
        tx.exec_params0(
              "WITH r AS MATERIALIZED (SELECT * FROM jsonb_to_recordset($5::jsonb)"
              "   AS r(key text, language text, part int, parts int, text text))"
              " INSERT INTO deliveries (alert_id, channel, channel_type, target, language, part,"
              " parts, priority, rendered_text, next_attempt_at)"
              " SELECT $1::uuid, $2, $3, s.address, r.language, r.part, r.parts, $4, r.text, " +
                  std::string(first_part_due) +
                  " FROM subscribers s JOIN r ON r.key = CASE WHEN EXISTS"
                  "   (SELECT 1 FROM r k WHERE k.key = s.language) THEN s.language ELSE '' END"
                  " WHERE s.channel = $2",
              accepted.id, f.channel, f.channel_type, priority, boost::json::serialize(renders))
            .affected_rows();
    fanned[f.channel] = n;
    accepted.deliveries += n;
  }
  if (accepted.deliveries == 0) {
    throw NothingToDeliver(
        "no message to send: the chosen channels have no targets or subscribers");
  }

  if (idempotency) {
    // Takes the key, or a key older than 24 hours; a live one held by another request
    // means it committed first.
    const auto taken = tx.exec_params(
        "INSERT INTO idempotency_keys (actor, key, body_sha256, alert_id) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (actor, key) DO UPDATE SET body_sha256 = EXCLUDED.body_sha256,"
        "   alert_id = EXCLUDED.alert_id, created_at = now()"
        " WHERE idempotency_keys.created_at < now() - interval '24 hours'"
        " RETURNING 1",
        actor, idempotency->key, idempotency->body_sha256, accepted.id);
    if (taken.empty()) throw IdempotencyRace("Idempotency-Key taken by a concurrent request");
  }

  boost::json::object detail;
  detail["deliveries"] = accepted.deliveries;
  if (idempotency) detail["idempotency_key"] = idempotency->key;
  if (!fanned.empty()) detail["subscribers_by_channel"] = std::move(fanned);
  detail["document"] = document;
  audit::append(tx, {actor, "alert.accepted", accepted.id, std::nullopt, std::move(detail)});
  tx.commit();
  return accepted;
}

void announce_new_work(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  tx.exec0(std::string("NOTIFY ") + deliveries_notify_channel);
}

std::optional<PriorRequest> find_idempotent(pqxx::connection& conn, const std::string& actor,
                                            const std::string& key) {
  pqxx::read_transaction tx(conn);
  const auto rows = tx.exec_params(
      "SELECT k.alert_id::text, to_json(a.accepted_at)#>>'{}', k.body_sha256,"
      "       (SELECT count(*) FROM deliveries d WHERE d.alert_id = k.alert_id)"
      "  FROM idempotency_keys k JOIN alerts a ON a.id = k.alert_id"
      " WHERE k.actor = $1 AND k.key = $2 AND k.created_at >= now() - interval '24 hours'",
      actor, key);
  if (rows.empty()) return std::nullopt;
  return PriorRequest{
      {rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][3].as<long long>()},
      rows[0][2].as<std::string>()};
}

std::optional<AlertStatus> find_alert(pqxx::connection& conn, const std::string& id, int limit) {
  Snapshot tx(conn);
  const auto alert = tx.exec_params(
      "SELECT id::text, to_json(accepted_at)#>>'{}', submitted_by, document::text"
      " FROM alerts WHERE id = $1::uuid",
      id);
  if (alert.empty()) return std::nullopt;
  AlertStatus out;
  out.id = alert[0][0].as<std::string>();
  out.accepted_at = alert[0][1].as<std::string>();
  out.submitted_by = alert[0][2].as<std::string>();
  out.document = boost::json::parse(alert[0][3].as<std::string>());

  for (const auto& r : tx.exec_params(
           "SELECT state, count(*) FROM deliveries WHERE alert_id = $1::uuid GROUP BY state", id)) {
    out.by_state[r[0].as<std::string>()] = r[1].as<long long>();
    out.total += r[1].as<long long>();
  }

  const auto rows = tx.exec_params(
      "SELECT id, channel, channel_type, target, state, attempts,"
      " CASE WHEN state IN ('pending','retrying') AND next_attempt_at < 'infinity'"
      "      THEN to_json(next_attempt_at)#>>'{}' END,"
      " platform_id, last_error, to_json(updated_at)#>>'{}', to_json(finished_at)#>>'{}',"
      " rendered_text, language, part, parts"
      " FROM deliveries WHERE alert_id = $1::uuid ORDER BY id LIMIT $2",
      id, limit);
  for (const auto& r : rows) {
    DeliveryStatus d;
    d.id = r[0].as<long long>();
    d.channel = r[1].as<std::string>();
    d.channel_type = r[2].as<std::string>();
    d.target = r[3].as<std::string>();
    d.state = r[4].as<std::string>();
    d.attempts = r[5].as<int>();
    d.next_attempt_at = opt(r[6]);
    d.platform_id = opt(r[7]);
    d.last_error = opt(r[8]);
    d.updated_at = r[9].as<std::string>();
    d.finished_at = opt(r[10]);
    d.rendered_text = r[11].as<std::string>();
    d.language = r[12].as<std::string>();
    d.part = r[13].as<int>();
    d.parts = r[14].as<int>();
    out.deliveries.push_back(std::move(d));
  }
  return out;
}

}  // namespace araldo::store
