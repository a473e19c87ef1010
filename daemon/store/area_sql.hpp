#pragma once
// The SQL that turns an alert's area into PostGIS geometry and finds the zones it touches,
// written once for the intake's statement and the preview's estimate. An area is given as
// `polygons` (a jsonb array of WKT rings), `circles` (a jsonb array of {lat, lon, km}) and
// `area_istat` (text[]), as columns of the row `i`.
#include <boost/json/array.hpp>
#include <string>

#include "daemon/model/alert_area.hpp"

namespace araldo::store {

// The area as one MultiPolygon, or NULL without polygons and circles. Polygons are made
// valid (a ring that crosses itself still means its inside); circles are measured on the
// sphere.
inline const std::string area_geometry_sql =
    "(SELECT ST_Multi(ST_CollectionExtract(ST_Union(x.geom), 3)) FROM ("
    "   SELECT ST_MakeValid(ST_GeomFromText(w, 4326)) AS geom"
    "     FROM jsonb_array_elements_text(i.polygons) AS w"
    "   UNION ALL SELECT ST_Buffer(ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)::geography,"
    "     c.km * 1000)::geometry"
    "     FROM jsonb_to_recordset(i.circles) AS c(lat float8, lon float8, km float8)) x)";

// Whether zone `z` is touched by the area of row `g` (columns geom, area_istat): inside
// overlapping inside (a shared border is not enough), or a shared ISTAT code. The spatial
// and GIN indexes of zones answer it.
inline const std::string zone_touched_sql =
    "((g.geom IS NOT NULL AND z.geom && g.geom AND ST_Intersects(z.geom, g.geom)"
    "   AND NOT ST_Touches(z.geom, g.geom)) OR z.istat_codes && g.area_istat)";

// The area's polygons as WKT and its circles, as the jsonb those columns take.
boost::json::array polygons_wkt(const model::AlertArea& area);
boost::json::array circles_json(const model::AlertArea& area);
// A text[] literal: {"a","b"}, each element quoted and escaped.
std::string text_array(const std::vector<std::string>& items);

}  // namespace araldo::store
