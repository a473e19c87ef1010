#include "daemon/store/area_sql.hpp"

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
    out.push_back(
        {{"lat", circle.centre.lat}, {"lon", circle.centre.lon}, {"km", circle.radius_km}});
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
