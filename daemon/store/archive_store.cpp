#include "daemon/store/archive_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

constexpr const char* cap_sent =
    "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '-00:00'";

std::string sent_of(const std::string& column) {
  std::string out = cap_sent;
  out.replace(out.find("%s"), 2, column);
  return out;
}

const std::string public_condition =
    "a.status = 'Actual' AND a.scope = 'Public' AND coalesce(a.approval, 'approved') = 'approved'"
    " AND coalesce(a.send_at, a.accepted_at) <= now()";

const std::string columns = "SELECT a.id::text, " + sent_of("a.accepted_at") +
                            ", a.document::text,"
                            " (SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'msg_type',"
                            "    r.msg_type, 'sent', " +
                            sent_of("r.accepted_at") +
                            ", 'sender', r.sender) ORDER BY r.accepted_at), '[]')"
                            "    FROM alerts r WHERE r.id = ANY (a.references_alerts)),"
                            " (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'msg_type',"
                            "    c.msg_type, 'sent', " +
                            sent_of("c.accepted_at") +
                            ", 'sender', c.sender) ORDER BY c.accepted_at), '[]')"
                            "    FROM alerts c WHERE c.references_alerts @> ARRAY[a.id]"
                            "     AND c.status = 'Actual' AND c.scope = 'Public')"
                            " FROM alerts a";

std::vector<ArchiveLink> links(const std::string& json) {
  std::vector<ArchiveLink> out;
  const auto parsed = boost::json::parse(json);
  for (const auto& v : parsed.as_array()) {
    const auto& o = v.as_object();
    out.push_back({std::string(o.at("id").as_string()), std::string(o.at("msg_type").as_string()),
                   std::string(o.at("sent").as_string()), std::string(o.at("sender").as_string())});
  }
  return out;
}

ArchivedAlert read(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(),
          boost::json::parse(r[2].as<std::string>()), links(r[3].as<std::string>()),
          links(r[4].as<std::string>())};
}

}  // namespace

std::optional<ArchivedAlert> archived_alert(Database& db, const std::string& id, bool public_only) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<ArchivedAlert> {
    pqxx::read_transaction tx(c);
    const auto rows = tx.exec_params(
        columns + " WHERE a.id = $1::uuid" + (public_only ? " AND " + public_condition : ""), id);
    if (rows.empty()) return std::nullopt;
    return read(rows[0]);
  });
}

std::vector<ArchivedAlert> public_alerts(Database& db, int limit) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<ArchivedAlert> out;
    for (const auto& r : tx.exec_params(columns + " WHERE " + public_condition +
                                            " ORDER BY a.accepted_at DESC, a.id DESC LIMIT $1",
                                        limit)) {
      out.push_back(read(r));
    }
    return out;
  });
}

}  // namespace araldo::store
