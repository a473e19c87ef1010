#pragma once
// Where an alert applies, as CAP 1.2 writes it in <area>: polygons of WGS 84 "lat,lon"
// pairs, circles "lat,lon radius_km", and geocodes. Only ISTAT municipality codes
// (valueName ISTAT) target; other geocodes travel with the alert untouched. An alert with
// no polygon, circle or ISTAT code reaches everyone, as one without an area does (better
// everyone than nobody; the preview warns).
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace araldo::model {

struct GeoCode {
  std::string value_name;
  std::string value;
  bool operator==(const GeoCode&) const = default;
};

struct AlertArea {
  std::vector<std::string> polygons;
  std::vector<std::string> circles;
  std::vector<GeoCode> geocodes;

  // Nothing that narrows who the alert reaches.
  bool targets_everyone() const;
  std::vector<std::string> istat_codes() const;
  bool empty() const { return polygons.empty() && circles.empty() && geocodes.empty(); }
};

struct LatLon {
  double lat = 0;
  double lon = 0;
};

struct Circle {
  LatLon centre;
  double radius_km = 0;
};

// Each returns the parsed shape, or what is wrong with it in words.
std::variant<std::vector<LatLon>, std::string> parse_polygon(std::string_view text);
std::variant<Circle, std::string> parse_circle(std::string_view text);
std::optional<std::string> geocode_problem(const GeoCode& code);

// A closed ring as Well-Known Text, longitude first, as PostGIS reads it.
std::string polygon_wkt(const std::vector<LatLon>& ring);

inline constexpr std::string_view istat_value_name = "ISTAT";

}  // namespace araldo::model
