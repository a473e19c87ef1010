#include "daemon/store/alert_store.hpp"

#include <boost/json.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "daemon/model/alert_json.hpp"
#include "daemon/store/alert_state_sql.hpp"
#include "daemon/store/area_sql.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

// Later parts wait (at infinity) until the part before them is delivered.
// The first part is due at once, or at the alert's send_at; later parts wait for it.
// An alert held for approval has nothing due until it is approved.
constexpr const char* first_part_due =
    "CASE WHEN r.part = 1 AND NOT r.held THEN coalesce(r.send_at, now()) ELSE 'infinity' END";

}  // namespace

std::string new_alert_id() {
  // One generator per thread: boost's random_generator is not thread-safe.
  thread_local boost::uuids::random_generator generate;
  return boost::uuids::to_string(generate());
}

namespace {

// Who the fanned-out channels of the CTE `f` reach (alert_id, channel, address,
// language), as three disjoint sets joined by indexes rather than a test per subscriber:
// everyone when the alert has no area; else the subscribers of the zones it touches
// (subscriber_zones by zone), and those who chose no zone (the whole territory; an
// anti-join). A scheduled notice skips who opted out of non-emergency messages on the
// platform. The fanout worker walks the same rule in subscriber order
// (store/fanout_store.cpp).
std::string audience_of(const std::string& f) {
  const std::string who = "SELECT f.alert_id, f.channel, s.address, s.language FROM " + f +
                          " f JOIN ga ON ga.id = f.alert_id AND ";
  const std::string not_stopped = " AND NOT (f.notice AND s.notices_stopped_at IS NOT NULL)";
  return who + "NOT ga.targeted JOIN subscribers s ON s.channel = f.channel" + not_stopped +
         " UNION ALL " + who +
         "ga.targeted JOIN (SELECT DISTINCT az.alert_id, sz.subscriber_id FROM az"
         "   JOIN subscriber_zones sz ON sz.zone = az.zone) z ON z.alert_id = f.alert_id"
         " JOIN subscribers s ON s.id = z.subscriber_id AND s.channel = f.channel" +
         not_stopped + " UNION ALL " + who +
         "ga.targeted JOIN subscribers s ON s.channel = f.channel" + not_stopped +
         " WHERE NOT EXISTS (SELECT 1 FROM subscriber_zones sz WHERE sz.subscriber_id = s.id)";
}

// The whole batch in one statement: alerts, fixed-target deliveries, every subscriber
// fan-out, Idempotency-Keys and the alert.accepted audit events, as data-modifying CTEs.
// One round trip and, prepared, no planning per batch. It returns per alert how many
// messages it made and whether it got its key, so the caller can refuse before commit.
// A subscriber whose language nobody rendered for that alert gets the fallback ("").
constexpr const char* insert_batch_name = "araldo_insert_alerts";
const std::string insert_batch_sql =
    std::string(
        "WITH i AS MATERIALIZED (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(n int, id uuid,"
        "   submitted_by text, headline text, description text, instruction text, event text,"
        "   categories jsonb, severity text, urgency text, certainty text, area text,"
        "   language text, sender text, expires_at timestamptz, send_at timestamptz, web text,"
        "   document jsonb, status text, scope text, msg_type text, references_alerts uuid[],"
        "   approval text, approval_expires_at timestamptz,"
        "   detail jsonb, fanout_channels jsonb, wants_key boolean, polygons jsonb,"
        "   circles jsonb, area_istat text[], asks_ack boolean)),"
        // The area as one geometry (store/area_sql.hpp).
        " g AS MATERIALIZED (SELECT i.id, i.area_istat, " +
        area_geometry_sql +
        " AS geom FROM i),"
        " ga AS (SELECT g.*, g.geom IS NOT NULL OR cardinality(g.area_istat) > 0 AS targeted"
        "   FROM g),"
        " a AS (INSERT INTO alerts (id, submitted_by, headline, description, instruction, event,"
        "   categories, severity, urgency, certainty, area, language, sender, expires_at,"
        "   send_at, web, document, status, scope, msg_type, references_alerts, approval,"
        "   approval_expires_at, area_geom, area_istat, asks_ack)"
        " SELECT i.id, submitted_by, headline, description, instruction, event,"
        "   ARRAY(SELECT jsonb_array_elements_text(categories)), severity, urgency, certainty,"
        "   area, language, sender, expires_at, send_at, web, document, status, scope,"
        "   msg_type, references_alerts, approval, approval_expires_at, ga.geom, i.area_istat,"
        "   coalesce(i.asks_ack, false)"
        " FROM i JOIN ga ON ga.id = i.id"
        " RETURNING accepted_at),"
        // The zones the area touches, kept with the alert.
        " az AS (INSERT INTO alert_zones (alert_id, zone) SELECT g.id, z.name FROM ga AS g"
        "   JOIN zones z ON " +
        zone_touched_sql +
        " RETURNING alert_id, zone),"
        // A target that moved for good (target_migrations) is sent to where it went; when
        // the configuration names both, the new address gets the alert once. Rows keep
        // their order (ordinality): parts and targets get ids in the order given.
        " d AS (INSERT INTO deliveries (alert_id, channel, channel_type, target, language, part,"
        "   parts, priority, rendered_text, action, refers_to, fallback_text, waits_for_post,"
        "   next_attempt_at)"
        " SELECT r.alert_id, r.channel, r.channel_type, coalesce(m.to_target, r.target),"
        "   r.language, r.part, r.parts, r.priority, r.text, r.action, r.refers_to,"
        "   r.fallback_text, coalesce(r.waits, false),"
        "   CASE WHEN r.waits THEN 'infinity'::timestamptz ELSE ") +
    first_part_due +
    " END FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (alert_id uuid, channel text,"
    "   channel_type text, target text, language text, part int, parts int, priority int,"
    "   text text, send_at timestamptz, held boolean, action text, refers_to bigint,"
    "   fallback_text text, waits boolean, zones jsonb)) WITH ORDINALITY AS r"
    " JOIN ga ON ga.id = r.alert_id"
    " LEFT JOIN target_migrations m ON m.channel = r.channel AND m.from_target = r.target"
    "   AND r.action = 'send'"
    // A target bound to zones gets an alert with an area only when the area touches one
    // of them; a correction goes wherever its post went.
    " WHERE (r.zones IS NULL OR NOT ga.targeted OR r.refers_to IS NOT NULL"
    "   OR EXISTS (SELECT 1 FROM az WHERE az.alert_id = r.alert_id"
    "     AND r.zones ? az.zone))"
    " AND (m.to_target IS NULL OR NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb)"
    "   AS o(alert_id uuid, channel text, target text, part int) WHERE o.alert_id = r.alert_id"
    "   AND o.channel = r.channel AND o.target = m.to_target AND o.part = r.part))"
    " ORDER BY r.ordinality"
    " RETURNING alert_id),"
    " r AS MATERIALIZED (SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(alert_id uuid,"
    "   channel text, channel_type text, priority int, key text, language text, part int,"
    "   parts int, text text, send_at timestamptz, held boolean, notice boolean)),"
    " f AS (SELECT DISTINCT alert_id, channel, notice FROM r),"
    // A channel with more subscribers than $5 is written after the 202 (fanouts): its
    // audience is only counted here, and a worker writes it in chunks.
    " fd AS MATERIALIZED (SELECT f.*, (SELECT count(*) FROM (SELECT 1 FROM subscribers s"
    "   WHERE s.channel = f.channel LIMIT $5 + 1) x) > $5 AS deferred FROM f),"
    " fi AS (SELECT * FROM fd WHERE NOT deferred),"
    " fl AS (SELECT * FROM fd WHERE deferred),"
    " aud AS (" +
    audience_of("fi") +
    "),"
    " s AS (INSERT INTO deliveries (alert_id, channel, channel_type, target, language, part,"
    "   parts, priority, rendered_text, next_attempt_at)"
    " SELECT r.alert_id, r.channel, r.channel_type, s.address, r.language, r.part, r.parts,"
    "   r.priority, r.text, " +
    first_part_due +
    " FROM aud s"
    " JOIN r ON r.alert_id = s.alert_id AND r.channel = s.channel"
    "  AND r.key = CASE WHEN EXISTS (SELECT 1 FROM r k WHERE k.alert_id = s.alert_id"
    "    AND k.channel = s.channel AND k.key = s.language) THEN s.language ELSE '' END"
    " RETURNING alert_id, channel),"
    // The later audience by language, and the messages it makes (a language's parts).
    " later AS (SELECT alert_id, channel, language, count(*) AS n FROM (" +
    audience_of("fl") +
    ") x GROUP BY alert_id, channel, language),"
    " lm AS (SELECT l.alert_id, l.channel, sum(l.n) AS subscribers, sum(l.n * (SELECT count(*)"
    "   FROM r WHERE r.alert_id = l.alert_id AND r.channel = l.channel"
    "    AND r.key = CASE WHEN EXISTS (SELECT 1 FROM r k WHERE k.alert_id = l.alert_id"
    "     AND k.channel = l.channel AND k.key = l.language) THEN l.language ELSE '' END))"
    "   AS messages FROM later l GROUP BY l.alert_id, l.channel),"
    " fo AS (INSERT INTO fanouts (alert_id, channel, channel_type, priority, notice, targeted,"
    "   texts, audience, last_subscriber)"
    " SELECT lm.alert_id, lm.channel, t.channel_type, t.priority, fl.notice, ga.targeted,"
    "   t.texts, lm.subscribers, (SELECT coalesce(max(id), 0) FROM subscribers)"
    " FROM lm JOIN fl ON fl.alert_id = lm.alert_id AND fl.channel = lm.channel"
    " JOIN ga ON ga.id = lm.alert_id"
    " CROSS JOIN LATERAL (SELECT min(r.channel_type) AS channel_type, max(r.priority) AS priority,"
    "   jsonb_agg(jsonb_build_object('key', r.key, 'language', r.language, 'part', r.part,"
    "     'parts', r.parts, 'text', r.text) ORDER BY r.key, r.part) AS texts"
    "   FROM r WHERE r.alert_id = lm.alert_id AND r.channel = lm.channel) t"
    " RETURNING alert_id),"
    // Takes each key, or a key older than 24 hours; a live one held by another request
    // means that request committed first.
    " k AS (INSERT INTO idempotency_keys (actor, key, body_sha256, alert_id)"
    " SELECT actor, key, body_sha256, alert_id FROM jsonb_to_recordset($4::jsonb)"
    "   AS r(actor text, key text, body_sha256 text, alert_id uuid)"
    " ON CONFLICT (actor, key) DO UPDATE SET body_sha256 = EXCLUDED.body_sha256,"
    "   alert_id = EXCLUDED.alert_id, created_at = now()"
    " WHERE idempotency_keys.created_at < now() - interval '24 hours'"
    " RETURNING alert_id),"
    " fanned AS (SELECT alert_id, channel, count(*) AS n FROM s GROUP BY alert_id, channel"
    "   UNION ALL SELECT alert_id, channel, subscribers FROM lm),"
    " t AS (SELECT i.n, i.id, i.submitted_by, i.document, i.detail, i.wants_key,"
    "   (SELECT count(*) FROM d WHERE d.alert_id = i.id)"
    "   + (SELECT count(*) FROM s WHERE s.alert_id = i.id)"
    "   + coalesce((SELECT sum(messages) FROM lm WHERE lm.alert_id = i.id), 0) AS total,"
    "   (SELECT jsonb_object_agg(lm.channel, lm.subscribers) FROM lm WHERE lm.alert_id = i.id)"
    "   AS later_by_channel,"
    // Every fanned-out channel shows, with 0 when its subscribers all left meanwhile.
    "   (SELECT jsonb_object_agg(c.name, coalesce(fanned.n, 0))"
    "      FROM jsonb_array_elements_text(i.fanout_channels) AS c(name)"
    "      LEFT JOIN fanned ON fanned.alert_id = i.id AND fanned.channel = c.name) AS by_channel,"
    "   EXISTS (SELECT 1 FROM k WHERE k.alert_id = i.id) AS got_key FROM i),"
    " e AS (" +
    append_audit_sql(
        "SELECT n, submitted_by AS actor, 'alert.accepted' AS kind, id AS alert_id,"
        "   NULL::bigint AS delivery_id,"
        "   detail || jsonb_build_object('deliveries', total, 'document', document)"
        "   || CASE WHEN by_channel IS NULL THEN '{}'::jsonb"
        "      ELSE jsonb_build_object('subscribers_by_channel', by_channel) END"
        "   || CASE WHEN later_by_channel IS NULL THEN '{}'::jsonb"
        "      ELSE jsonb_build_object('written_after_acceptance', later_by_channel) END"
        "   AS detail FROM t") +
    ")"
    " SELECT t.total, NOT t.wants_key OR t.got_key,"
    "   (SELECT to_json(min(accepted_at))#>>'{}' FROM a) FROM t ORDER BY t.n";

// One attempt at writing the alerts at `live` (indexes into batch). Returns the refusals
// found, in which case nothing was committed; or commits and fills `out`.
std::map<std::size_t, InsertOutcome::Refused> write_batch(pqxx::connection& conn,
                                                          const std::vector<const NewAlert*>& batch,
                                                          const std::vector<std::size_t>& live,
                                                          std::vector<InsertOutcome>& out,
                                                          long long inline_fanout_limit) {
  std::vector<std::string> ids;  // ids[k] is the alert at batch[live[k]]
  boost::json::array alert_rows, delivery_rows, fanout_rows, key_rows;
  for (const auto i : live) {
    const auto& n = *batch[i];
    const auto& a = n.alert;
    const auto id = n.id.empty() ? new_alert_id() : n.id;
    const int priority = model::priority(a);
    ids.push_back(id);
    boost::json::array categories;
    for (const auto& c : a.categories) categories.emplace_back(c);
    boost::json::object detail;
    if (n.idempotency) detail["idempotency_key"] = n.idempotency->key;
    boost::json::array fanout_channels;
    for (const auto& f : n.fanouts) fanout_channels.emplace_back(f.channel);
    boost::json::object row{{"n", alert_rows.size()},
                            {"id", id},
                            {"submitted_by", n.actor},
                            {"headline", a.headline},
                            {"description", a.description},
                            {"instruction", a.instruction},
                            {"event", a.event},
                            {"categories", std::move(categories)},
                            {"severity", a.severity},
                            {"urgency", a.urgency},
                            {"certainty", a.certainty},
                            {"area", a.area},
                            {"language", a.language},
                            {"sender", a.sender},
                            {"document", model::alert_to_json(a)},
                            {"status", a.status},
                            {"scope", a.scope},
                            {"msg_type", a.msg_type},
                            {"references_alerts", text_array(a.references)},
                            {"detail", std::move(detail)},
                            {"fanout_channels", std::move(fanout_channels)},
                            {"wants_key", n.idempotency.has_value()},
                            {"polygons", polygons_wkt(a.geometry)},
                            {"circles", circles_json(a.geometry)},
                            {"area_istat", text_array(a.geometry.istat_codes())},
                            {"asks_ack", a.asks_ack}};
    if (a.expires) row["expires_at"] = *a.expires;
    if (a.send_at) row["send_at"] = *a.send_at;
    if (a.web) row["web"] = *a.web;
    const bool held = n.approval_expires_at.has_value();
    if (held) {
      row["approval"] = "awaiting";
      row["approval_expires_at"] = *n.approval_expires_at;
      auto& audited = row["detail"].as_object();  // the alert.accepted event says it is held
      audited["approval"] = "awaiting";
      audited["approval_expires_at"] = *n.approval_expires_at;
    }
    alert_rows.push_back(std::move(row));
    const boost::json::value send_at =
        a.send_at ? boost::json::value(*a.send_at) : boost::json::value(nullptr);
    for (const auto& d : n.deliveries) {
      boost::json::value zones = nullptr;  // bound to no zone: the whole territory
      if (!d.zones.empty()) zones = boost::json::array(d.zones.begin(), d.zones.end());
      for (std::size_t p = 0; p < d.parts.size(); ++p) {
        delivery_rows.push_back(
            {{"alert_id", id},
             {"channel", d.channel},
             {"channel_type", d.channel_type},
             {"target", d.target},
             {"language", d.parts[p].language},
             {"part", p + 1},
             {"parts", d.parts.size()},
             {"priority", priority},
             {"text", d.parts[p].text},
             {"send_at", send_at},
             {"held", held},
             {"action", d.parts[p].action},
             {"refers_to", d.parts[p].refers_to ? boost::json::value(*d.parts[p].refers_to)
                                                : boost::json::value(nullptr)},
             {"fallback_text", d.parts[p].fallback_text
                                   ? boost::json::value(*d.parts[p].fallback_text)
                                   : boost::json::value(nullptr)},
             {"waits", d.waits_for_post && p == 0},
             {"zones", zones}});
      }
    }
    for (const auto& f : n.fanouts) {
      auto add = [&](const std::string& key, const std::vector<RenderedPart>& parts) {
        for (std::size_t p = 0; p < parts.size(); ++p) {
          fanout_rows.push_back({{"alert_id", id},
                                 {"channel", f.channel},
                                 {"channel_type", f.channel_type},
                                 {"priority", priority},
                                 {"key", key},
                                 {"language", parts[p].language},
                                 {"part", p + 1},
                                 {"parts", parts.size()},
                                 {"text", parts[p].text},
                                 {"send_at", send_at},
                                 {"held", held},
                                 {"notice", n.notice}});
        }
      };
      for (const auto& [language, parts] : f.by_language) add(language, parts);
      add("", f.fallback);
    }
    if (n.idempotency) {
      key_rows.push_back({{"actor", n.actor},
                          {"key", n.idempotency->key},
                          {"body_sha256", n.idempotency->body_sha256},
                          {"alert_id", id}});
    }
  }

  conn.prepare(insert_batch_name, insert_batch_sql);  // once per connection; then a no-op
  pqxx::work tx(conn);
  const auto rows = tx.exec_prepared(
      insert_batch_name, boost::json::serialize(alert_rows), boost::json::serialize(delivery_rows),
      boost::json::serialize(fanout_rows), boost::json::serialize(key_rows), inline_fanout_limit);
  std::map<std::size_t, InsertOutcome::Refused> refused;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    // A Draft is never sent; a Cancel may find nothing published to act on.
    const auto& a = batch[live[k]]->alert;
    if (rows[k][0].as<long long>() == 0 && a.status != "Draft" && a.msg_type != "Cancel") {
      refused[live[k]] = InsertOutcome::Refused::nothing_to_deliver;
    } else if (!rows[k][1].as<bool>()) {
      refused[live[k]] = InsertOutcome::Refused::idempotency_taken;
    }
  }
  if (!refused.empty()) return refused;  // rolled back by tx's destructor
  tx.commit();
  const auto accepted_at = rows[0][2].as<std::string>();
  for (std::size_t k = 0; k < ids.size(); ++k) {
    out[live[k]].accepted = {ids[k], accepted_at, rows[k][0].as<long long>()};
  }
  return {};
}

}  // namespace

std::vector<InsertOutcome> insert_alerts(pqxx::connection& conn,
                                         const std::vector<const NewAlert*>& batch,
                                         long long inline_fanout_limit) {
  std::vector<InsertOutcome> out(batch.size());
  std::vector<std::size_t> live(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) live[i] = i;
  while (!live.empty()) {
    const auto refused = write_batch(conn, batch, live, out, inline_fanout_limit);
    if (refused.empty()) break;
    // Rolled back: write the others again without the refused ones.
    for (const auto& [i, why] : refused) out[i].refused = why;
    std::erase_if(live, [&](std::size_t i) { return refused.count(i) > 0; });
  }
  return out;
}

AcceptedAlert insert_alert(pqxx::connection& conn, const model::Alert& alert,
                           const std::vector<NewDelivery>& deliveries,
                           const std::vector<SubscriberFanout>& fanouts, const std::string& actor,
                           const std::optional<IdempotencyKey>& idempotency) {
  const NewAlert one{alert, deliveries, fanouts, actor, idempotency, std::nullopt, {}};
  const auto outcome = insert_alerts(conn, {&one}).front();
  switch (outcome.refused) {
    case InsertOutcome::Refused::nothing_to_deliver:
      throw NothingToDeliver(
          "no message to send: the chosen channels have no targets or subscribers");
    case InsertOutcome::Refused::idempotency_taken:
      throw IdempotencyRace("Idempotency-Key taken by a concurrent request");
    case InsertOutcome::Refused::no:
      break;
  }
  return outcome.accepted;
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
      "SELECT id::text, to_json(accepted_at)#>>'{}', submitted_by, document::text,"
      "       to_json(send_at)#>>'{}', " +
          alert_state_sql("alerts") +
          ","
          "       coalesce(approval, ''), to_json(approval_expires_at)#>>'{}', approval_decided_by,"
          "       to_json(approval_decided_at)#>>'{}', approval_reason"
          " FROM alerts WHERE id = $1::uuid",
      id);
  if (alert.empty()) return std::nullopt;
  AlertStatus out;
  out.id = alert[0][0].as<std::string>();
  out.accepted_at = alert[0][1].as<std::string>();
  out.submitted_by = alert[0][2].as<std::string>();
  if (!alert[0][4].is_null()) out.send_at = alert[0][4].as<std::string>();
  out.state = alert[0][5].as<std::string>();
  out.approval = alert[0][6].as<std::string>();
  auto optional = [&](int column, std::optional<std::string>& field) {
    if (!alert[0][column].is_null()) field = alert[0][column].as<std::string>();
  };
  optional(7, out.approval_expires_at);
  optional(8, out.approval_decided_by);
  optional(9, out.approval_decided_at);
  optional(10, out.approval_reason);
  out.document = boost::json::parse(alert[0][3].as<std::string>());

  for (const auto& r : tx.exec_params(
           "SELECT state, count(*) FROM deliveries WHERE alert_id = $1::uuid GROUP BY state", id)) {
    out.by_state[r[0].as<std::string>()] = r[1].as<long long>();
    out.total += r[1].as<long long>();
  }
  for (const auto& r : tx.exec_params("SELECT receipt, count(*) FROM deliveries"
                                      " WHERE alert_id = $1::uuid AND receipt IS NOT NULL"
                                      " GROUP BY receipt",
                                      id)) {
    out.receipts[r[0].as<std::string>()] = r[1].as<long long>();
  }

  out.reach = accepted_reach(tx, id);
  for (const auto& r :
       tx.exec_params("SELECT channel, audience, written, coalesce(outcome, ''), refused"
                      " FROM fanouts WHERE alert_id = $1::uuid ORDER BY channel",
                      id)) {
    out.fanouts.push_back({r[0].as<std::string>(), r[1].as<long long>(), r[2].as<long long>(),
                           r[4].as<long long>(), r[3].as<std::string>()});
  }
  // Counted through today's subscriber_zones: a subscriber who left since is not counted.
  // The answers are read once, by the alert (any round's message may carry one), and
  // joined by target: a look-up per subscriber took 2.3 s for 300,000, this 0.7 s
  // (docs/benchmarks.md).
  for (const auto& r : tx.exec_params(
           "WITH answered AS ("
           "  SELECT DISTINCT ON (l.channel, l.target) l.channel, l.target, k.answer"
           "    FROM acknowledgements k JOIN deliveries l ON l.id = k.delivery_id"
           "   WHERE k.alert_id = $1::uuid ORDER BY l.channel, l.target, k.answered_at)"
           "SELECT az.zone, count(*), count(*) FILTER (WHERE d.state = 'sent'),"
           "  count(*) FILTER (WHERE d.receipt IN ('delivered', 'read')),"
           "  count(*) FILTER (WHERE d.receipt = 'read'),"
           "  count(*) FILTER (WHERE d.state IN ('failed', 'expired') OR d.receipt = 'failed'),"
           "  count(k.answer) FILTER (WHERE k.answer = 'safe'),"
           "  count(k.answer) FILTER (WHERE k.answer = 'need_help')"
           " FROM alert_zones az JOIN subscriber_zones sz ON sz.zone = az.zone"
           " JOIN subscribers s ON s.id = sz.subscriber_id"
           " JOIN deliveries d ON d.alert_id = az.alert_id AND d.channel = s.channel"
           "  AND d.target = s.address AND d.part = 1 AND d.round = 0"
           " LEFT JOIN answered k ON k.channel = d.channel AND k.target = d.target"
           " WHERE az.alert_id = $1::uuid GROUP BY az.zone",
           id)) {
    out.by_zone[r[0].as<std::string>()] = {
        r[1].as<long long>(), r[2].as<long long>(), r[3].as<long long>(), r[4].as<long long>(),
        r[5].as<long long>(), r[6].as<long long>(), r[7].as<long long>()};
  }
  for (const auto& r :
       tx.exec_params("SELECT answer, count(*) FROM acknowledgements WHERE alert_id = $1::uuid"
                      " GROUP BY answer",
                      id)) {
    out.acknowledgements[r[0].as<std::string>()] = r[1].as<long long>();
  }

  const auto rows = tx.exec_params(
      "SELECT id, channel, channel_type, target, state, attempts,"
      " CASE WHEN state IN ('pending','retrying') AND next_attempt_at < 'infinity'"
      "      THEN to_json(next_attempt_at)#>>'{}' END,"
      " platform_id, last_error, to_json(updated_at)#>>'{}', to_json(finished_at)#>>'{}',"
      " rendered_text, language, part, parts,"
      " receipt, to_json(receipt_at)#>>'{}', receipt_error,"
      " araldo_personal_target(channel_type, target), araldo_masked(target), round"
      " FROM deliveries WHERE alert_id = $1::uuid ORDER BY id LIMIT $2",
      id, limit);
  for (const auto& r : rows) {
    DeliveryStatus d;
    d.id = r[0].as<long long>();
    d.channel = r[1].as<std::string>();
    d.channel_type = r[2].as<std::string>();
    d.target = r[3].as<std::string>();
    d.state = model::delivery_state_from_db(r[4].c_str());
    d.attempts = r[5].as<int>();
    d.next_attempt_at = text_or_null(r[6]);
    d.platform_id = text_or_null(r[7]);
    d.last_error = text_or_null(r[8]);
    d.updated_at = r[9].as<std::string>();
    d.finished_at = text_or_null(r[10]);
    d.rendered_text = r[11].as<std::string>();
    d.language = r[12].as<std::string>();
    d.part = r[13].as<int>();
    d.parts = r[14].as<int>();
    d.receipt = text_or_null(r[15]);
    d.receipt_at = text_or_null(r[16]);
    d.receipt_error = text_or_null(r[17]);
    d.personal = r[18].as<bool>();
    d.masked_target = r[19].as<std::string>();
    d.round = r[20].as<int>();
    out.deliveries.push_back(std::move(d));
  }
  return out;
}

std::vector<InsertOutcome> insert_alerts(Database& db, const std::vector<const NewAlert*>& batch,
                                         long long inline_fanout_limit) {
  return db.with_connection(
      [&](pqxx::connection& c) { return insert_alerts(c, batch, inline_fanout_limit); });
}

std::optional<PriorRequest> find_idempotent(Database& db, const std::string& actor,
                                            const std::string& key) {
  return db.with_connection([&](pqxx::connection& c) { return find_idempotent(c, actor, key); });
}

std::optional<AlertStatus> find_alert(Database& db, const std::string& id, int limit) {
  return db.with_connection([&](pqxx::connection& c) { return find_alert(c, id, limit); });
}

std::vector<PublishedPost> published_posts(Database& db, const std::string& alert_id) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<PublishedPost> out;
    for (const auto& r :
         tx.exec_params("SELECT id, channel, target, language, part, coalesce(platform_id, ''),"
                        "       state = 'sending' FROM deliveries"
                        " WHERE alert_id = $1::uuid AND action <> 'remove'"
                        "   AND ((state = 'sent' AND platform_id IS NOT NULL) OR state = 'sending')"
                        " ORDER BY channel, target, part",
                        alert_id)) {
      out.push_back({r[0].as<long long>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     r[3].as<std::string>(), r[4].as<int>(), r[5].as<std::string>(),
                     r[6].as<bool>()});
    }
    return out;
  });
}

}  // namespace araldo::store
