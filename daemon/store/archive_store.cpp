#include "daemon/store/archive_store.hpp"

#include <algorithm>
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

std::optional<AreaDrawing> area_drawing(Database& db, const std::string& id) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<AreaDrawing> {
    pqxx::read_transaction tx(c);
    const auto r = tx.exec_params1(
        "WITH a AS (SELECT ST_Transform(area_geom, 3857) AS g FROM alerts"
        "   WHERE id = $1::uuid AND area_geom IS NOT NULL),"
        " z AS (SELECT zn.label, ST_Transform(zn.geom, 3857) AS g FROM alert_zones az"
        "   JOIN zones zn ON zn.name = az.zone WHERE az.alert_id = $1::uuid"
        "   AND zn.geom IS NOT NULL),"
        " e AS (SELECT ST_Extent(g) AS box FROM (SELECT g FROM a UNION ALL SELECT g FROM z) x)"
        " SELECT ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box),"
        "   (SELECT ST_AsSVG(g, 0, 1) FROM a),"
        "   (SELECT json_agg(json_build_object('label', label, 'path', ST_AsSVG(g, 0, 1),"
        "      'x', ST_X(ST_PointOnSurface(g)), 'y', -ST_Y(ST_PointOnSurface(g)))"
        "      ORDER BY label) FROM z)::text"
        " FROM e",
        id);
    if (r[0].is_null()) return std::nullopt;
    const double x0 = r[0].as<double>(), y0 = r[1].as<double>(), x1 = r[2].as<double>(),
                 y1 = r[3].as<double>();
    // A margin of a twentieth around it; SVG's y grows downwards (ST_AsSVG negates it).
    const double w = std::max(x1 - x0, 1.0), h = std::max(y1 - y0, 1.0);
    const double m = std::max(w, h) / 20;
    AreaDrawing out;
    out.view_box = std::to_string(x0 - m) + " " + std::to_string(-y1 - m) + " " +
                   std::to_string(w + 2 * m) + " " + std::to_string(h + 2 * m);
    out.unit = (w + 2 * m) / 100;
    if (!r[4].is_null()) out.area = r[4].as<std::string>();
    if (!r[5].is_null()) {
      const auto zones = boost::json::parse(r[5].c_str());
      for (const auto& z : zones.as_array()) {
        out.zones.push_back({std::string(z.at("label").as_string()),
                             std::string(z.at("path").as_string()), z.at("x").to_number<double>(),
                             z.at("y").to_number<double>()});
      }
    }
    return out;
  });
}

}  // namespace araldo::store
