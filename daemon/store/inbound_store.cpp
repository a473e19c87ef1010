#include "daemon/store/inbound_store.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <tuple>

#include "daemon/delivery/storable.hpp"
#include "daemon/model/cap_datetime.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/consent.hpp"
#include "daemon/store/inbox_store.hpp"
#include "daemon/store/pq.hpp"
#include "daemon/store/zone_store.hpp"
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

// Applies a batch of receipts in one statement. A receipt names its delivery by the tag
// Araldo sent with the message (found by primary key, no index on platform ids to keep up
// on every send) and the platform's id for it, which must match. For each delivery the
// batch's highest-ranked receipt (sent < delivered < read < failed) is applied unless the
// delivery already has that one or a later one, and each change is audited. Returns each
// item's outcome: applied; stale (the delivery already knew as much); untagged (not
// about a delivery: a confirmation, say); or unknown (no such delivery with that platform
// id, yet).
std::map<long long, std::string> apply_receipts(pqxx::work& tx, const boost::json::array& rows) {
  static const std::string rank = "array_position(ARRAY['sent','delivered','read','failed'], ";
  const auto result = tx.exec_params(
      "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(item bigint, channel text,"
      "             delivery_id bigint, platform_id text, state text, at bigint, error text,"
      "             key text)),"
      " best AS (SELECT DISTINCT ON (delivery_id) *, " +
          rank +
          "state) AS rank"
          "            FROM r WHERE delivery_id IS NOT NULL"
          "           ORDER BY delivery_id, " +
          rank +
          "state) DESC, item),"
          " upd AS (UPDATE deliveries d SET receipt = b.state,"
          "           receipt_at = CASE WHEN b.at > 0 THEN to_timestamp(b.at) ELSE now() END,"
          "           receipt_error = NULLIF(b.error, ''), updated_at = now()"
          "           FROM best b WHERE d.id = b.delivery_id AND d.channel = b.channel"
          "            AND d.platform_id = b.platform_id"
          "            AND coalesce(" +
          rank +
          "d.receipt), 0) < b.rank"
          "         RETURNING d.id AS delivery_id, d.alert_id, b.item, b.channel, b.platform_id,"
          "                   b.state, b.at, b.error, b.key),"
          " logged AS (" +
          append_audit_sql(
              "SELECT row_number() OVER (ORDER BY item) AS n, 'system' AS actor,"
              "       'delivery.receipt' AS kind, alert_id, delivery_id,"
              "       jsonb_build_object('channel', channel, 'platform_id', platform_id,"
              "                          'receipt', state, 'key', key)"
              "       || CASE WHEN at > 0 THEN jsonb_build_object('platform_time', at)"
              "               ELSE '{}'::jsonb END"
              "       || CASE WHEN error <> '' THEN jsonb_build_object('error', error)"
              "               ELSE '{}'::jsonb END AS detail"
              "  FROM upd") +
          ")"
          " SELECT r.item, CASE WHEN r.delivery_id IS NULL THEN 'untagged'"
          "   WHEN r.item IN (SELECT item FROM upd) THEN 'applied'"
          "   WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.id = r.delivery_id"
          "                   AND d.channel = r.channel AND d.platform_id = r.platform_id)"
          "     THEN 'stale'"
          "   ELSE 'unknown' END FROM r",
      boost::json::serialize(rows));
  std::map<long long, std::string> out;
  for (const auto& row : result) out[row[0].as<long long>()] = row[1].as<std::string>();
  return out;
}

// Citizens' answers to alerts, a batch in one statement: each kept once per citizen and
// alert (whichever round's message it was pressed under), and only for a delivery of an
// alert that asked, sent to this very address ("forged" otherwise: a button's data names
// Araldo's delivery, and a modified client can send any). Audited with the pseudonym.
// Each item's outcome (acknowledged, duplicate, forged) and, when acknowledged, its alert.
std::map<long long, std::pair<std::string, std::string>> record_acknowledgements(
    pqxx::work& tx, const boost::json::array& rows) {
  // The same per-address lock as every other change of a citizen, taken in one order.
  tx.exec_params(
      "SELECT count(pg_advisory_xact_lock(hashtextextended(channel || ':' || address, 7)))"
      "  FROM (SELECT DISTINCT channel, address FROM jsonb_to_recordset($1::jsonb)"
      "          AS a(channel text, address text) ORDER BY 1, 2) k",
      boost::json::serialize(rows));
  const auto result = tx.exec_params(
      "WITH a AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(item bigint, channel text,"
      "             delivery_id bigint, address text, answer text, at bigint, pseudonym text)),"
      " d AS (SELECT a.*, dl.alert_id FROM a"
      "   JOIN deliveries dl ON dl.id = a.delivery_id AND dl.channel = a.channel"
      "    AND dl.target = a.address"
      "   JOIN alerts al ON al.id = dl.alert_id WHERE al.asks_ack),"
      " first AS (SELECT DISTINCT ON (alert_id, channel, address) * FROM d"
      "   ORDER BY alert_id, channel, address, item),"
      " ins AS (INSERT INTO acknowledgements (delivery_id, alert_id, channel, answer,"
      "     answered_at, inbound_item)"
      "   SELECT f.delivery_id, f.alert_id, f.channel, f.answer,"
      "          coalesce(to_timestamp(nullif(f.at, 0)), now()), f.item FROM first f"
      "    WHERE NOT EXISTS (SELECT 1 FROM deliveries x"
      "      JOIN acknowledgements k ON k.delivery_id = x.id"
      "     WHERE x.alert_id = f.alert_id AND x.channel = f.channel AND x.target = f.address)"
      "   ON CONFLICT (delivery_id) DO NOTHING"
      "   RETURNING delivery_id, alert_id, inbound_item),"
      " names AS (INSERT INTO pseudonyms (pseudonym, address)"
      "   SELECT DISTINCT a.pseudonym, a.address FROM a JOIN ins ON ins.inbound_item = a.item"
      "    WHERE a.pseudonym <> a.address"
      "   ON CONFLICT (pseudonym) DO NOTHING),"
      " logged AS (" +
          append_audit_sql(
              "SELECT row_number() OVER (ORDER BY i.inbound_item) AS n, 'citizen' AS actor,"
              "       'alert.acknowledged' AS kind, i.alert_id, i.delivery_id,"
              "       jsonb_build_object('channel', a.channel, 'answer', a.answer,"
              "                          'subscriber', a.pseudonym, 'inbound_item', a.item)"
              "         AS detail"
              "  FROM ins i JOIN a ON a.item = i.inbound_item") +
          ")"
          " SELECT a.item, CASE WHEN d.item IS NULL THEN 'forged'"
          "   WHEN i.inbound_item IS NOT NULL THEN 'acknowledged' ELSE 'duplicate' END,"
          "   coalesce(i.alert_id::text, '')"
          " FROM a LEFT JOIN d ON d.item = a.item LEFT JOIN ins i ON i.inbound_item = a.item",
      boost::json::serialize(rows));
  std::map<long long, std::pair<std::string, std::string>> out;
  for (const auto& r : result) {
    out[r[0].as<long long>()] = {r[1].as<std::string>(), r[2].as<std::string>()};
  }
  return out;
}

// The zones a new subscriber may choose, as buttons: the first 60 by label (Telegram takes
// up to 100 buttons).
std::vector<channels::Button> zone_buttons(pqxx::work& tx) {
  std::vector<channels::Button> out;
  for (const auto& r : tx.exec("SELECT name, label FROM zones ORDER BY label LIMIT 60")) {
    out.push_back({r[1].as<std::string>(), "zone:" + r[0].as<std::string>()});
  }
  return out;
}

// A subscriber's zone button: added to their zones when they are subscribed and the zone
// exists ("zone_added", with its label); else "not_subscribed" or "unknown_zone".
std::pair<std::string, std::string> choose_zone(pqxx::work& tx, const std::string& channel,
                                                const channels::ZoneChoice& z, long long item,
                                                const privacy::Pseudonyms& pseudonyms) {
  lock_address(tx, channel, z.address);
  const auto r = tx.exec_params(
      "WITH s AS (SELECT id FROM subscribers WHERE channel = $1 AND address = $2),"
      " zn AS (SELECT name, label FROM zones WHERE name = $3),"
      " ins AS (INSERT INTO subscriber_zones (subscriber_id, zone)"
      "   SELECT s.id, zn.name FROM s, zn ON CONFLICT DO NOTHING RETURNING 1)"
      " SELECT EXISTS (SELECT 1 FROM s), (SELECT label FROM zn)",
      channel, z.address, z.zone);
  if (!r[0][0].as<bool>()) return {"not_subscribed", ""};
  if (r[0][1].is_null()) return {"unknown_zone", ""};
  append_audit_event(tx, {"citizen",
                          "subscriber.zone_added",
                          std::nullopt,
                          std::nullopt,
                          {{"channel", channel},
                           {"zone", z.zone},
                           {"subscriber", pseudonym_for_audit(tx, z.address, pseudonyms)},
                           {"inbound_item", item}}});
  return {"zone_added", r[0][1].as<std::string>()};
}

// What a citizen who named an unknown zone is told: the zones there are.
std::optional<std::string> unknown_zone_answer(pqxx::work& tx, std::string text) {
  if (text.empty()) return std::nullopt;
  std::string zones;
  for (const auto& k : zone_keywords(tx)) zones += (zones.empty() ? "" : ", ") + k;
  if (const auto at = text.find("{zones}"); at != std::string::npos) {
    text.replace(at, 7, zones.empty() ? "-" : zones);
  }
  return text;
}

// The outcome (opted_in, opted_out, stale, unknown_zone), and the language the citizen had
// subscribed in (when leaving).
std::pair<std::string, std::string> apply_subscription(pqxx::work& tx, const std::string& channel,
                                                       const channels::SubscriptionChange& c,
                                                       const std::string& key,
                                                       const privacy::Pseudonyms& pseudonyms) {
  ConsentChange change{channel, c.address, c.at, c.evidence, "citizen", {{"key", key}}};
  if (c.subscribe) {
    std::optional<ZoneName> zone;
    if (!c.zone_keyword.empty()) {
      zone = zone_by_keyword(tx, c.zone_keyword);
      if (!zone) return {"unknown_zone", c.language};
      change.detail["zone"] = zone->name;
    }
    const auto done = opt_in(tx, change, c.language, pseudonyms);
    if (done.applied && zone) add_subscriber_zone(tx, channel, c.address, zone->name);
    return {done.applied ? "opted_in" : "stale", c.language};
  }
  const auto done = opt_out(tx, change, c.kind, pseudonyms);
  return {done.applied ? "opted_out" : "stale", done.language};
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

void audit_refused_webhooks(Database& db, const std::vector<RefusedWebhooks>& windows) {
  auto at = [](std::chrono::system_clock::time_point t) {
    return model::format_cap_datetime(std::chrono::time_point_cast<std::chrono::seconds>(t));
  };
  std::vector<AuditEvent> events;
  for (const auto& w : windows) {
    boost::json::object verdicts;
    long long total = 0;
    for (const auto& [verdict, n] : w.verdicts) {
      verdicts[verdict] = n;
      total += n;
    }
    events.push_back({"anonymous",
                      "webhook.refused_summary",
                      std::nullopt,
                      std::nullopt,
                      {{"channel", w.channel},
                       {"from", at(w.from)},
                       {"to", at(w.to)},
                       {"refused", total},
                       {"verdicts", std::move(verdicts)}}});
  }
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    append_audit_events(tx, events);
    tx.commit();
  });
}

namespace {

// One batch in one transaction; `selected` says how many items were due.
ProcessedBatch process_batch(pqxx::connection& c, int limit, const MeaningOf& meaning,
                             std::chrono::seconds retry, std::chrono::seconds give_up,
                             const privacy::Pseudonyms& pseudonyms, int& selected) {
  {
    ProcessedBatch out;
    pqxx::work tx(c);
    const auto rows = tx.exec_params(
        "SELECT id, channel, kind, key, payload::text,"
        "       extract(epoch FROM now() - received_at)::bigint"
        "  FROM inbound_items WHERE processed_at IS NULL AND next_try_at <= now()"
        " ORDER BY next_try_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit);
    selected = static_cast<int>(rows.size());
    boost::json::array done, waiting, receipts, acks;
    // Answers to alerts, applied together after the loop: (channel, kind, key, the answer).
    std::map<long long,
             std::tuple<std::string, std::string, std::string, channels::Acknowledgement>>
        ack_items;
    std::map<long long, std::pair<std::string, std::chrono::seconds>> receipt_items;  // kind, age
    // Tried again after a pause that grows with the item's age (a quarter of it, at least
    // `retry`, at most a minute): a receipt that never matches costs a dozen tries over
    // `give_up`, not hundreds.
    const auto later = [&](long long id, std::chrono::seconds age) {
      const auto pause = std::clamp<std::chrono::seconds>(age / 4, retry, std::chrono::seconds(60));
      waiting.push_back({{"id", id}, {"pause", pause.count()}});
    };
    const auto finish = [&](long long id, const std::string& kind, const std::string& outcome) {
      done.push_back({{"id", id}, {"outcome", outcome}});
      out.outcomes.emplace_back(kind, outcome.substr(0, outcome.find(':')));
    };
    for (const auto& row : rows) {
      const auto id = row[0].as<long long>();
      const auto channel = row[1].as<std::string>();
      channels::InboundItem item{row[2].as<std::string>(), row[3].as<std::string>(),
                                 row[4].as<std::string>(), std::nullopt};
      const auto age = std::chrono::seconds(row[5].as<long long>());
      const auto m = meaning(channel, item);
      if (!m) {
        later(id, age);
      } else if (const auto* r = std::get_if<channels::Receipt>(&*m)) {
        receipts.push_back({{"item", id},
                            {"channel", channel},
                            {"delivery_id", r->delivery_id ? boost::json::value(*r->delivery_id)
                                                           : boost::json::value(nullptr)},
                            {"platform_id", r->platform_id},
                            {"state", r->state},
                            {"at", r->at},
                            {"error", r->error},
                            {"key", item.key}});
        receipt_items[id] = {item.kind, age};
      } else if (const auto* s = std::get_if<channels::SubscriptionChange>(&*m)) {
        const auto [applied, language] = apply_subscription(tx, channel, *s, item.key, pseudonyms);
        // A stale change is not confirmed: the citizen's later word stands.
        auto text = applied == "stale" ? std::nullopt : s->confirmation;
        if (applied == "unknown_zone") text = unknown_zone_answer(tx, s->unknown_zone_text);
        if (text) {
          if (const auto it = s->confirmation_in.find(language); it != s->confirmation_in.end()) {
            text = it->second;
          }
        }
        if (text) {
          store::PendingAnswer a{channel, s->address, *text, s->answer_by, item.key};
          // A new subscriber picks zones with buttons (none: the whole territory).
          if (s->offer_zones && applied == "opted_in") a.buttons = zone_buttons(tx);
          out.answers.push_back(std::move(a));
        }
        finish(id, item.kind, applied);
      } else if (const auto* n = std::get_if<channels::NoticePreference>(&*m)) {
        finish(id, item.kind,
               // Its key holds the number (WhatsApp gives a preference no id of its own):
               // the log names the stored item instead.
               set_notice_preference(
                   tx, {channel, n->address, n->at, n->evidence, "citizen", {{"inbound_item", id}}},
                   n->stop, pseudonyms));
      } else if (const auto* z = std::get_if<channels::ZoneChoice>(&*m)) {
        const auto [outcome, label] = choose_zone(tx, channel, *z, id, pseudonyms);
        out.answers.push_back({channel, z->address, outcome == "zone_added" ? "✓ " + label : "", 0,
                               item.key, z->press_id});
        finish(id, item.kind, outcome);
      } else if (const auto* a = std::get_if<channels::Acknowledgement>(&*m)) {
        acks.push_back({{"item", id},
                        {"channel", channel},
                        {"delivery_id", a->delivery_id},
                        {"address", a->address},
                        {"answer", a->answer},
                        {"at", a->at},
                        {"pseudonym", audit_pseudonym(a->address, pseudonyms)}});
        ack_items.emplace(id, std::make_tuple(channel, item.kind, item.key, *a));
      } else if (const auto* t = std::get_if<channels::CitizenMessage>(&*m)) {
        finish(
            id, item.kind,
            receive_in_inbox(
                tx, {channel, t->address, "text", t->text, t->at, t->message_id, std::nullopt, id},
                pseudonyms));
      } else {
        finish(id, item.kind, "ignored: " + std::get<channels::Ignored>(*m).why);
      }
    }
    if (!acks.empty()) {
      for (const auto& [id, result] : record_acknowledgements(tx, acks)) {
        const auto& [outcome, alert] = result;
        const auto& [channel, kind, key, a] = ack_items.at(id);
        if (outcome == "acknowledged" && a.answer == "need_help") {
          // Someone asks for help: the citizens' relations office sees it in the inbox.
          receive_in_inbox(tx,
                           {channel, a.address, "need_help", "Ho bisogno di aiuto / I need help",
                            a.at, "", alert, id},
                           pseudonyms);
        }
        // Every press is answered (a button's spinner stops); only the first counts. Without
        // a spinner to stop, a forged press gets no answer.
        const auto thanks = outcome == "forged" ? std::string() : a.thanks;
        if (!a.press_id.empty() || !thanks.empty()) {
          out.answers.push_back({channel, a.address, thanks, 0, key, a.press_id});
        }
        finish(id, kind, outcome);
      }
    }
    if (!receipts.empty()) {
      for (const auto& [id, outcome] : apply_receipts(tx, receipts)) {
        const auto& [kind, age] = receipt_items.at(id);
        if (outcome == "unknown" && age < give_up) {
          later(id, age);  // its send may not be recorded yet
        } else {
          finish(id, kind,
                 outcome == "unknown" || outcome == "untagged" ? "unknown_message" : outcome);
        }
      }
    }
    if (!done.empty()) {
      tx.exec_params0(
          "UPDATE inbound_items i SET processed_at = now(), outcome = d.outcome"
          "  FROM jsonb_to_recordset($1::jsonb) AS d(id bigint, outcome text) WHERE i.id = d.id",
          boost::json::serialize(done));
    }
    if (!waiting.empty()) {
      tx.exec_params0(
          "UPDATE inbound_items i SET next_try_at = now() + make_interval(secs => d.pause)"
          "  FROM jsonb_to_recordset($1::jsonb) AS d(id bigint, pause double precision)"
          " WHERE i.id = d.id",
          boost::json::serialize(waiting));
    }
    out.processed = static_cast<long long>(done.size());
    tx.commit();
    return out;
  }
}

// The item a batch of one would take, set aside as processed with what the database
// refused, and audited: it will not be tried again.
void set_aside_refused(pqxx::connection& c, const std::string& refusal) {
  const auto why = delivery::storable_text(refusal, 512);
  pqxx::work tx(c);
  const auto rows = tx.exec_params(
      "UPDATE inbound_items SET processed_at = now(), outcome = 'refused: ' || $1"
      " WHERE id = (SELECT id FROM inbound_items WHERE processed_at IS NULL"
      "               AND next_try_at <= now() ORDER BY next_try_at, id LIMIT 1"
      "               FOR UPDATE SKIP LOCKED)"
      " RETURNING id, channel, kind",
      why);
  if (rows.empty()) return;
  append_audit_event(tx,
                     {system_actor, "inbound.refused", std::nullopt, std::nullopt,
                      boost::json::object{{"item", rows[0][0].as<long long>()},
                                          {"channel", rows[0][1].as<std::string>()},
                                          {"kind", rows[0][2].as<std::string>()},
                                          {"reason", "the database refused to apply it: " + why}}});
  tx.commit();
}

}  // namespace

ProcessedBatch process_inbound(Database& db, int limit, const MeaningOf& meaning,
                               std::chrono::seconds retry, std::chrono::seconds give_up,
                               const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& c) {
    int selected = 0;
    try {
      return process_batch(c, limit, meaning, retry, give_up, pseudonyms, selected);
    } catch (const pqxx::sql_error& e) {
      if (!c.is_open() || !is_row_refusal(e)) throw;
    }
    // One item is refused: one at a time, each refused one set aside, the rest applied.
    ProcessedBatch out;
    for (int i = 0; i < limit; ++i) {
      try {
        auto one = process_batch(c, 1, meaning, retry, give_up, pseudonyms, selected);
        if (selected == 0) break;
        out.processed += one.processed;
        for (auto& o : one.outcomes) out.outcomes.push_back(std::move(o));
        for (auto& a : one.answers) out.answers.push_back(std::move(a));
      } catch (const pqxx::sql_error& e) {
        if (!c.is_open() || !is_row_refusal(e)) throw;
        set_aside_refused(c, refusal_message(e));
        out.outcomes.emplace_back("unknown", "refused");
        ++out.processed;
      }
    }
    return out;
  });
}

void audit_answers(Database& db, const std::vector<AnswerFate>& fates,
                   const privacy::Pseudonyms& pseudonyms) {
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<AuditEvent> events;
    for (const auto& f : fates) {
      const auto& answer = *f.answer;
      const auto subscriber = pseudonym_for_audit(tx, answer.address, pseudonyms);
      boost::json::object d{{"channel", answer.channel},
                            {"subscriber", subscriber},
                            {"outcome", f.outcome},
                            {"key", answer.item_key}};
      if (!f.detail.empty()) {
        // A platform's refusal may quote the number (WhatsApp's wa_id): the pseudonym instead.
        d["detail"] = with_pseudonym(f.detail, answer.address, subscriber);
      }
      events.push_back({system_actor, "subscriber.answered", std::nullopt, std::nullopt, d});
    }
    append_audit_events(tx, events);
    tx.commit();
  });
}

}  // namespace araldo::store
