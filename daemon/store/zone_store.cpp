#include "daemon/store/zone_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

// PostGIS's verdict on one geometry: nullopt when it is a valid (Multi)Polygon.
std::optional<std::string> geometry_problem(pqxx::work& tx, const std::string& geojson) {
  try {
    // PostGIS may refuse to read it at all: the other zones are still checked.
    Savepoint check(tx, "zone_geometry");
    const auto r = tx.exec_params1(
        "SELECT GeometryType(g), ST_IsValidReason(g) FROM"
        " (SELECT ST_GeomFromGeoJSON($1) AS g) x",
        geojson);
    check.release();
    const auto type = r[0].as<std::string>();
    if (type != "POLYGON" && type != "MULTIPOLYGON") {
      return "is a " + type + "; a zone is a Polygon or a MultiPolygon";
    }
    if (const auto reason = r[1].as<std::string>(); reason != "Valid Geometry") {
      return "is not a valid polygon: " + reason + " (PostGIS; coordinates are lon,lat)";
    }
    return std::nullopt;
  } catch (const pqxx::sql_error& e) {
    return "PostGIS cannot read it: " + refusal_message(e);
  }
}

}  // namespace

std::variant<ZonesSaved, std::vector<ZoneProblem>> save_zones(Database& db,
                                                              const std::vector<ZoneInput>& zones,
                                                              const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c)
                                -> std::variant<ZonesSaved, std::vector<ZoneProblem>> {
    pqxx::work tx(c);
    // Zones change rarely and alerts read them: one writer at a time keeps keywords unique
    // without a race between the check and the write.
    tx.exec0("LOCK TABLE zones IN SHARE ROW EXCLUSIVE MODE");
    std::vector<ZoneProblem> problems;
    for (const auto& z : zones) {
      if (z.geometry) {
        if (auto why = geometry_problem(tx, *z.geometry)) {
          problems.push_back({z.at + "/geometry", *why});
        }
      }
      if (z.keyword) {
        const auto owner = tx.exec_params(
            "SELECT name FROM zones WHERE keyword = $1 AND name <> $2", *z.keyword, z.name);
        if (!owner.empty()) {
          problems.push_back({z.at + "/properties/keyword",
                              "'" + *z.keyword + "' is already the keyword of zone '" +
                                  owner[0][0].as<std::string>() + "'"});
        }
      }
    }
    if (!problems.empty()) return problems;
    ZonesSaved out;
    for (const auto& z : zones) {
      const auto r = tx.exec_params1(
          "INSERT INTO zones AS z (name, label, keyword, geom, istat_codes, updated_by)"
          " VALUES ($1, $2, $3, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($4), 4326)),"
          "   ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6)"
          " ON CONFLICT (name) DO UPDATE SET label = EXCLUDED.label, keyword = EXCLUDED.keyword,"
          "   geom = EXCLUDED.geom, istat_codes = EXCLUDED.istat_codes,"
          "   updated_by = EXCLUDED.updated_by, updated_at = now()"
          " RETURNING xmax = 0, ST_AsGeoJSON(geom, 7),"
          "   coalesce(ST_Area(geom::geography) / 1e6, 0)",
          z.name, z.label, z.keyword, z.geometry,
          boost::json::serialize(boost::json::array(z.istat_codes.begin(), z.istat_codes.end())),
          actor);
      const bool added = r[0].as<bool>();
      (added ? out.added : out.updated) += 1;
      boost::json::object detail{
          {"zone", z.name},
          {"label", z.label},
          {"istat_codes", boost::json::array(z.istat_codes.begin(), z.istat_codes.end())},
          {"area_km2", r[2].as<double>()},
          {"replaced", !added}};
      detail["keyword"] = z.keyword ? boost::json::value(*z.keyword) : nullptr;
      // The geometry itself: an auditor can tell whom an alert of that day could reach.
      detail["geometry"] =
          r[1].is_null() ? boost::json::value(nullptr) : boost::json::parse(r[1].c_str());
      append_audit_event(tx, {actor, "zone.saved", std::nullopt, std::nullopt, std::move(detail)});
    }
    tx.commit();
    return out;
  });
}

std::vector<ZoneRow> list_zones(Database& db, bool with_geometry) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<ZoneRow> out;
    for (const auto& r :
         tx.exec_params("SELECT z.name, z.label, z.keyword, array_to_json(z.istat_codes)::text,"
                        "  CASE WHEN $1 THEN ST_AsGeoJSON(z.geom, 7) END,"
                        "  coalesce(ST_Area(z.geom::geography) / 1e6, 0),"
                        "  (SELECT count(*) FROM subscriber_zones sz WHERE sz.zone = z.name)"
                        " FROM zones z ORDER BY z.name",
                        with_geometry)) {
      ZoneRow z;
      z.name = r[0].as<std::string>();
      z.label = r[1].as<std::string>();
      if (!r[2].is_null()) z.keyword = r[2].as<std::string>();
      const auto codes = boost::json::parse(r[3].c_str());
      for (const auto& code : codes.as_array()) {
        z.istat_codes.emplace_back(code.as_string());
      }
      if (!r[4].is_null()) z.geometry = r[4].as<std::string>();
      z.area_km2 = r[5].as<double>();
      z.subscribers = r[6].as<long long>();
      out.push_back(std::move(z));
    }
    return out;
  });
}

bool delete_zone(Database& db, const std::string& name, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto r = tx.exec_params(
        "WITH s AS (SELECT count(*) AS n FROM subscriber_zones WHERE zone = $1)"
        " DELETE FROM zones WHERE name = $1 RETURNING (SELECT n FROM s)",
        name);
    if (r.empty()) return false;
    append_audit_event(tx, {actor,
                            "zone.deleted",
                            std::nullopt,
                            std::nullopt,
                            {{"zone", name}, {"subscribers_unbound", r[0][0].as<long long>()}}});
    tx.commit();
    return true;
  });
}

std::optional<ZoneName> zone_by_keyword(pqxx::transaction_base& tx, const std::string& keyword) {
  const auto r = tx.exec_params("SELECT name, label FROM zones WHERE keyword = $1", keyword);
  if (r.empty()) return std::nullopt;
  return ZoneName{r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

std::vector<std::string> zone_keywords(pqxx::transaction_base& tx) {
  std::vector<std::string> out;
  for (const auto& r :
       tx.exec("SELECT keyword FROM zones WHERE keyword IS NOT NULL ORDER BY keyword")) {
    out.push_back(r[0].as<std::string>());
  }
  return out;
}

void add_subscriber_zone(pqxx::transaction_base& tx, const std::string& channel,
                         const std::string& address, const std::string& zone) {
  tx.exec_params(
      "INSERT INTO subscriber_zones (subscriber_id, zone)"
      " SELECT id, $3 FROM subscribers WHERE channel = $1 AND address = $2"
      " ON CONFLICT DO NOTHING",
      channel, address, zone);
}

}  // namespace araldo::store
