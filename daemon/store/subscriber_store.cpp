#include "daemon/store/subscriber_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/consent.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

constexpr std::size_t import_chunk = 20'000;  // rows per statement

}  // namespace

UpsertResult upsert_subscribers(pqxx::connection& conn, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor, const privacy::Pseudonyms& pseudonyms) {
  pqxx::work tx(conn);
  lock_for_import(tx);
  // An erased address's opt-out is kept under its pseudonym only: the rows' pseudonyms are
  // needed only when the channel has one.
  const bool erased_any = tx.exec_params1(
                                "SELECT EXISTS (SELECT 1 FROM opt_outs WHERE channel = $1"
                                "                  AND kind = 'erasure')",
                                channel)[0]
                              .as<bool>();
  // The rows go as JSON, a chunk per statement, written as text rather than built as a
  // document: a town's 250,000-row import would otherwise hold hundreds of MiB at once.
  const auto rows_json = [&](std::size_t from) {
    std::string out = "[";
    for (std::size_t n = from; n < std::min(subscribers.size(), from + import_chunk); ++n) {
      const auto& s = subscribers[n];
      if (n > from) out += ',';
      out += "{\"n\":" + std::to_string(n) + ",\"address\":" + boost::json::serialize(s.address) +
             ",\"pseudonym\":" +
             (erased_any ? boost::json::serialize(pseudonyms.of(s.address)) : "null") +
             ",\"language\":" + boost::json::serialize(s.language) +
             ",\"consent_at\":" + boost::json::serialize(s.consent_at) + ",\"zones\":" +
             (s.zones ? boost::json::serialize(boost::json::array(s.zones->begin(), s.zones->end()))
                      : "null") +
             "}";
    }
    return out + "]";
  };
  static const std::string input =
      "jsonb_to_recordset($2::jsonb) AS i(n bigint, address text, pseudonym text, language text,"
      "                                   consent_at timestamptz, zones jsonb)";
  UpsertResult result;
  long long ended = 0;
  try {
    // Everything is checked before anything is written; all in one transaction.
    for (std::size_t from = 0; from < subscribers.size(); from += import_chunk) {
      const auto json = rows_json(from);
      // A withdrawal at or after the consent the row brings wins: the row is refused.
      for (const auto& row : tx.exec_params(
               "SELECT i.n, to_json(o.opted_out_at)#>>'{}', o.kind FROM " + input +
                   " JOIN opt_outs o ON o.channel = $1 AND o.address IN (i.address, i.pseudonym)"
                   "   AND o.opted_out_at >= i.consent_at ORDER BY i.n LIMIT 50",
               channel, json)) {
        if (result.refused.size() < 50) {
          result.refused.push_back(
              {row[0].as<std::size_t>(), row[1].as<std::string>(), row[2].as<std::string>()});
        }
      }
      for (const auto& row : tx.exec_params(
               "SELECT i.n, z FROM " + input +
                   " CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(i.zones, '[]')) AS z"
                   // $1 is unused here but typed: `input` reads $2.
                   " WHERE $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM zones WHERE name = z)"
                   " ORDER BY i.n LIMIT 50",
               channel, json)) {
        if (result.unknown_zones.size() < 50) {
          result.unknown_zones.push_back({row[0].as<std::size_t>(), row[1].as<std::string>()});
        }
      }
    }
    if (!result.refused.empty()) return result;  // rolled back: nothing written
    if (!result.unknown_zones.empty()) return result;
    for (std::size_t from = 0; from < subscribers.size(); from += import_chunk) {
      const auto json = rows_json(from);
      const auto r = tx.exec_params1(
          "WITH upserted AS ("
          "  INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
          "  SELECT $1, i.address, i.language, i.consent_at, $3 FROM " +
              input +
              "  ON CONFLICT (channel, address) DO UPDATE"
              "    SET language = EXCLUDED.language, consent_at = EXCLUDED.consent_at"
              "  RETURNING (xmax = 0) AS inserted),"
              // What is left matching is older than the consent given: it ends.
              " ended AS (DELETE FROM opt_outs o USING " +
              input +
              "  WHERE o.channel = $1 AND o.address IN (i.address, i.pseudonym) RETURNING 1)"
              " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
              "   (SELECT count(*) FROM ended) FROM upserted",
          channel, json, actor);
      result.added += r[0].as<long long>();
      result.updated += r[1].as<long long>();
      ended += r[2].as<long long>();
      // Zones given replace the subscriber's; not given, they stay.
      tx.exec_params("DELETE FROM subscriber_zones sz USING subscribers s, " + input +
                         " WHERE i.zones IS NOT NULL AND s.channel = $1 AND s.address = i.address"
                         "   AND sz.subscriber_id = s.id",
                     channel, json);
      tx.exec_params("INSERT INTO subscriber_zones (subscriber_id, zone) SELECT s.id, z FROM " +
                         input +
                         " JOIN subscribers s ON s.channel = $1 AND s.address = i.address"
                         " CROSS JOIN LATERAL jsonb_array_elements_text(i.zones) AS z"
                         " WHERE i.zones IS NOT NULL ON CONFLICT DO NOTHING",
                     channel, json);
    }
  } catch (const pqxx::data_exception& e) {
    throw ValueRefused(refusal_message(e));  // its DETAIL may quote a row
  }
  boost::json::object detail{
      {"channel", channel}, {"added", result.added}, {"updated", result.updated}};
  if (ended > 0) detail["ends_opt_outs"] = ended;
  // One subscriber is named; a bulk import is summed up (the numbers are in the table).
  if (subscribers.size() == 1) {
    detail["subscriber"] = pseudonym_for_audit(tx, subscribers.front().address, pseudonyms);
    detail["consent_at"] = subscribers.front().consent_at;
    if (const auto& z = subscribers.front().zones) {
      detail["zones"] = boost::json::array(z->begin(), z->end());
    }
  }
  append_audit_event(tx,
                     {actor, subscribers.size() == 1 ? "subscriber.added" : "subscribers.imported",
                      std::nullopt, std::nullopt, std::move(detail)});
  tx.commit();
  if (subscribers.size() >= import_chunk) {
    // A large import changes the table's size, which the fan-out's plans rely on: without
    // this, they would be made from statistics of before it until autovacuum's next round.
    pqxx::nontransaction(conn).exec0("ANALYZE subscribers, subscriber_zones");
  }
  return result;
}

bool remove_subscriber(pqxx::connection& conn, const std::string& channel,
                       const std::string& address, const std::string& actor,
                       const privacy::Pseudonyms& pseudonyms) {
  pqxx::work tx(conn);
  const bool subscribed =
      !tx.exec_params("SELECT 1 FROM subscribers WHERE channel = $1 AND address = $2", channel,
                      address)
           .empty();
  if (!subscribed) return false;
  opt_out(tx, {channel, address, 0, "removed by " + actor, actor}, "admin", pseudonyms);
  tx.commit();
  return true;
}

Erased erase_subscriber(Database& db, const std::string& channel, const std::string& address,
                        const std::string& actor, const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    lock_address(tx, channel, address);
    Erased out;
    out.pseudonym = pseudonyms.of(address);
    // Digits on neither side: a chat id inside a longer number is not this one.
    const std::string pattern = "(?<![0-9])" + address + "(?![0-9])";
    out.deliveries = tx.exec_params(
                           "UPDATE deliveries SET target = $3,"
                           "   last_error = regexp_replace(last_error, $4, $3, 'g'),"
                           "   receipt_error = regexp_replace(receipt_error, $4, $3, 'g')"
                           " WHERE channel = $1 AND target = $2",
                           channel, address, out.pseudonym, pattern)
                         .affected_rows();
    out.inbound_items = tx.exec_params(
                              "UPDATE inbound_items SET"
                              "   payload = regexp_replace(payload, $3, $2, 'g'),"
                              "   key = regexp_replace(key, $3, $2, 'g')"
                              " WHERE channel = $1 AND (payload ~ $3 OR key ~ $3)",
                              channel, out.pseudonym, pattern)
                            .affected_rows();
    out.inbound_bodies = tx.exec_params(
                               "UPDATE inbound_bodies SET"
                               "   body = regexp_replace(body, $3, $2, 'g')"
                               " WHERE channel = $1 AND body ~ $3",
                               channel, out.pseudonym, pattern)
                             .affected_rows();
    // What the citizen wrote to the inbox, and the answers: gone with the number.
    out.conversations =
        tx.exec_params("DELETE FROM conversations WHERE channel = $1 AND address = $2", channel,
                       address)
            .affected_rows();
    const auto done = opt_out(tx,
                              {channel, address, 0, "erased by " + actor, actor,
                               boost::json::object{{"deliveries", out.deliveries},
                                                   {"inbound_items", out.inbound_items},
                                                   {"inbound_bodies", out.inbound_bodies},
                                                   {"conversations", out.conversations}}},
                              "erasure", pseudonyms);
    out.was_subscribed = done.was_subscribed;
    tx.exec_params0("DELETE FROM pseudonyms WHERE pseudonym = $1", out.pseudonym);
    tx.commit();
    return out;
  });
}

std::optional<std::string> resolve_pseudonym(Database& db, const std::string& pseudonym,
                                             const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::work tx(c);
    const auto r = tx.exec_params("SELECT address FROM pseudonyms WHERE pseudonym = $1", pseudonym);
    append_audit_event(tx, {actor, "pseudonym.resolved", std::nullopt, std::nullopt,
                            boost::json::object{{"pseudonym", pseudonym}, {"found", !r.empty()}}});
    tx.commit();
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
  });
}

std::map<std::string, long long> count_subscribers(pqxx::connection& conn,
                                                   const std::string& channel) {
  pqxx::read_transaction tx(conn);
  std::map<std::string, long long> out;
  for (const auto& r : tx.exec_params(
           "SELECT language, count(*) FROM subscribers WHERE channel = $1 GROUP BY language",
           channel)) {
    out[r[0].as<std::string>()] = r[1].as<long long>();
  }
  return out;
}

std::vector<std::string> subscriber_languages(pqxx::connection& conn, const std::string& channel) {
  std::vector<std::string> out;
  for (const auto& [language, n] : count_subscribers(conn, channel)) out.push_back(language);
  return out;
}

UpsertResult upsert_subscribers(Database& db, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor, const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& c) {
    return upsert_subscribers(c, channel, subscribers, actor, pseudonyms);
  });
}

bool remove_subscriber(Database& db, const std::string& channel, const std::string& address,
                       const std::string& actor, const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& c) {
    return remove_subscriber(c, channel, address, actor, pseudonyms);
  });
}

std::map<std::string, long long> count_subscribers(Database& db, const std::string& channel) {
  return db.with_connection([&](pqxx::connection& c) { return count_subscribers(c, channel); });
}

}  // namespace araldo::store
