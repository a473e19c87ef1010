#include "daemon/store/area_sql.hpp"

#include <algorithm>
#include <variant>

namespace araldo::store {

boost::json::array polygons_wkt(const model::AlertArea& area) {
  boost::json::array out;
  for (const auto& p : area.polygons) {
    // Checked when the alert was read: parsing again cannot fail.
    out.emplace_back(
        model::polygon_wkt(std::get<std::vector<model::LatLon>>(model::parse_polygon(p))));
  }
  return out;
}

boost::json::array circles_json(const model::AlertArea& area) {
  boost::json::array out;
  for (const auto& c : area.circles) {
    const auto circle = std::get<model::Circle>(model::parse_circle(c));
    // A point (radius 0, as in CAP's example) is a metre wide: it falls in the zone that
    // holds it.
    out.push_back({{"lat", circle.centre.lat},
                   {"lon", circle.centre.lon},
                   {"km", std::max(circle.radius_km, 0.001)}});
  }
  return out;
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    out += out.size() > 1 ? ",\"" : "\"";
    for (const char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace araldo::store
