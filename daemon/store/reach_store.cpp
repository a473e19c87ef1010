#include "daemon/store/reach_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/area_sql.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {

std::string AlertReach::summary() const {
  std::string out = std::to_string(subscribers) + " subscriber" + (subscribers == 1 ? "" : "s");
  if (!zones.empty()) {
    out += " in " + std::to_string(zones.size()) + " zone" + (zones.size() == 1 ? "" : "s");
  }
  return out + " and " + std::to_string(public_targets) + " public channel" +
         (public_targets == 1 ? "" : "s");
}

AlertReach accepted_reach(pqxx::transaction_base& tx, const std::string& alert_id) {
  AlertReach out;
  const auto r = tx.exec_params1(
      // One first part per target in round 0 (deliveries are unique by alert, channel,
      // target, part and round; a follow-up is a later round): counted without sorting
      // every target on each status read.
      "SELECT count(*) FILTER (WHERE part = 1 AND round = 0 AND"
      "         araldo_personal_target(channel_type, target)),"
      "       count(*) FILTER (WHERE part = 1 AND round = 0 AND"
      "         NOT araldo_personal_target(channel_type, target)),"
      // An audience still being written (fanouts) counts whom it has yet to write.
      "       (SELECT coalesce(sum(greatest(audience - written - refused, 0)), 0) FROM fanouts"
      "          WHERE alert_id = $1::uuid AND finished_at IS NULL),"
      "       (SELECT coalesce(array_to_json(array_agg(zone ORDER BY zone)), '[]')::text"
      "          FROM alert_zones WHERE alert_id = $1::uuid)"
      " FROM deliveries WHERE alert_id = $1::uuid AND action = 'send'",
      alert_id);
  out.subscribers = r[0].as<long long>() + r[2].as<long long>();
  out.public_targets = r[1].as<long long>();
  const auto zones = boost::json::parse(r[3].c_str());
  for (const auto& z : zones.as_array()) out.zones.emplace_back(z.as_string());
  return out;
}

Reach estimate_reach(Database& db, const model::AlertArea& area,
                     const std::vector<std::string>& subscription_channels) {
  return db.with_connection([&](pqxx::connection& c) {
    Snapshot tx(c);
    Reach out;
    out.targeted = !area.targets_everyone();
    const auto polygons = boost::json::serialize(polygons_wkt(area));
    const auto circles = boost::json::serialize(circles_json(area));
    const auto istat = text_array(area.istat_codes());
    const std::string touched =
        "WITH i AS (SELECT $1::jsonb AS polygons, $2::jsonb AS circles, $3::text[] AS area_istat),"
        " g AS MATERIALIZED (SELECT " +
        area_geometry_sql +
        " AS geom, i.area_istat FROM i),"
        " t AS MATERIALIZED (SELECT z.name, z.label FROM g JOIN zones z ON " +
        zone_touched_sql + ")";
    for (const auto& r : tx.exec_params(touched + " SELECT name, label FROM t ORDER BY name",
                                        polygons, circles, istat)) {
      out.zones.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
    }
    for (const auto& r : tx.exec("SELECT name FROM zones ORDER BY name")) {
      out.defined_zones.push_back(r[0].as<std::string>());
    }
    if (subscription_channels.empty()) return out;
    const auto channels = text_array(subscription_channels);
    // The intake's rule: everyone without an area; else those of a touched zone, and
    // those who chose none.
    const std::string reached = touched +
                                ", s AS (SELECT s.id, s.channel, s.language FROM subscribers s"
                                "  WHERE s.channel = ANY($4::text[]) AND (NOT $5"
                                "   OR NOT EXISTS (SELECT 1 FROM subscriber_zones sz"
                                "     WHERE sz.subscriber_id = s.id)"
                                "   OR EXISTS (SELECT 1 FROM subscriber_zones sz JOIN t"
                                "     ON t.name = sz.zone WHERE sz.subscriber_id = s.id)))";
    for (const auto& r : tx.exec_params(
             reached + " SELECT channel, language, count(*) FROM s GROUP BY channel, language",
             polygons, circles, istat, channels, out.targeted)) {
      out.subscribers[r[0].as<std::string>()].by_language[r[1].as<std::string>()] =
          r[2].as<long long>();
    }
    if (!out.targeted) return out;
    for (const auto& r :
         tx.exec_params(reached + " SELECT s.channel, coalesce(sz.zone, ''), count(*) FROM s"
                                  " LEFT JOIN subscriber_zones sz ON sz.subscriber_id = s.id"
                                  "  AND sz.zone IN (SELECT name FROM t)"
                                  " GROUP BY s.channel, coalesce(sz.zone, '')",
                        polygons, circles, istat, channels, out.targeted)) {
      out.subscribers[r[0].as<std::string>()].by_zone[r[1].as<std::string>()] =
          r[2].as<long long>();
    }
    return out;
  });
}

}  // namespace araldo::store
