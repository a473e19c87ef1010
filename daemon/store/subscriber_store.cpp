#include "daemon/store/subscriber_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

UpsertResult upsert_subscribers(pqxx::connection& conn, const std::string& channel,
                                const std::vector<Subscriber>& subscribers,
                                const std::string& actor) {
  boost::json::array rows;
  for (const auto& s : subscribers) {
    rows.push_back(
        {{"address", s.address}, {"language", s.language}, {"consent_at", s.consent_at}});
  }
  pqxx::work tx(conn);
  pqxx::row r;
  try {
    r = tx.exec_params1(
        "WITH upserted AS ("
        "  INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
        "  SELECT $1, i.address, i.language, i.consent_at, $3"
        "    FROM jsonb_to_recordset($2::jsonb) AS i(address text, language text,"
        "                                            consent_at timestamptz)"
        "  ON CONFLICT (channel, address) DO UPDATE"
        "    SET language = EXCLUDED.language, consent_at = EXCLUDED.consent_at"
        "  RETURNING (xmax = 0) AS inserted)"
        " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
        "   FROM upserted",
        channel, boost::json::serialize(rows), actor);
  } catch (const pqxx::data_exception& e) {
    throw ValueRefused(e.what());
  }
  UpsertResult result{r[0].as<long long>(), r[1].as<long long>()};
  boost::json::object detail{
      {"channel", channel}, {"added", result.added}, {"updated", result.updated}};
  // One subscriber is named; a bulk import is summed up (the numbers are in the table).
  if (subscribers.size() == 1) detail["address"] = subscribers.front().address;
  append_audit_event(tx,
                     {actor, subscribers.size() == 1 ? "subscriber.added" : "subscribers.imported",
                      std::nullopt, std::nullopt, std::move(detail)});
  tx.commit();
  return result;
}

bool remove_subscriber(pqxx::connection& conn, const std::string& channel,
                       const std::string& address, const std::string& actor) {
  pqxx::work tx(conn);
  const auto removed = tx.exec_params(
      "DELETE FROM subscribers WHERE channel = $1 AND address = $2 RETURNING id", channel, address);
  if (removed.empty()) return false;
  append_audit_event(tx, {actor, "subscriber.removed", std::nullopt, std::nullopt,
                          boost::json::object{{"channel", channel}, {"address", address}}});
  tx.commit();
  return true;
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
                                const std::string& actor) {
  return db.with_connection(
      [&](pqxx::connection& c) { return upsert_subscribers(c, channel, subscribers, actor); });
}

bool remove_subscriber(Database& db, const std::string& channel, const std::string& address,
                       const std::string& actor) {
  return db.with_connection(
      [&](pqxx::connection& c) { return remove_subscriber(c, channel, address, actor); });
}

std::map<std::string, long long> count_subscribers(Database& db, const std::string& channel) {
  return db.with_connection([&](pqxx::connection& c) { return count_subscribers(c, channel); });
}

}  // namespace araldo::store
