#pragma once
// Zones as an admin gives them: a GeoJSON FeatureCollection (RFC 7946), or one Feature.
// Each feature's properties: name (a-z 0-9 _ -), label, keyword (what citizens write after
// the opt-in word), istat (ISTAT municipality codes); its geometry a Polygon, a
// MultiPolygon, or null with ISTAT codes. The geometry itself is read by PostGIS.
#include <boost/json/value.hpp>
#include <variant>
#include <vector>

#include "daemon/http/problem.hpp"
#include "daemon/store/zone_store.hpp"

namespace araldo::api {

std::variant<std::vector<store::ZoneInput>, std::vector<http::FieldError>> zones_from_geojson(
    const boost::json::value& doc);

}  // namespace araldo::api
