#include "daemon/model/alert_area.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>

namespace araldo::model {
namespace {

std::optional<double> number(std::string_view s) {
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::variant<LatLon, std::string> pair_of(std::string_view text) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) {
    return "'" + std::string(text) + "' is not a lat,lon pair";
  }
  const auto lat = number(text.substr(0, comma));
  const auto lon = number(text.substr(comma + 1));
  if (!lat || !lon) return "'" + std::string(text) + "' is not a lat,lon pair of numbers";
  if (*lat < -90 || *lat > 90)
    return "latitude " + std::string(text.substr(0, comma)) +
           " is outside -90..90 (CAP puts the latitude first)";
  if (*lon < -180 || *lon > 180) {
    return "longitude " + std::string(text.substr(comma + 1)) + " is outside -180..180";
  }
  return LatLon{*lat, *lon};
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto start = text.find_first_not_of(" \t\r\n", i);
    if (start == std::string_view::npos) break;
    auto end = text.find_first_of(" \t\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    i = end;
  }
  return out;
}

}  // namespace

bool AlertArea::targets_everyone() const {
  return polygons.empty() && circles.empty() && istat_codes().empty();
}

std::vector<std::string> AlertArea::istat_codes() const {
  std::vector<std::string> out;
  for (const auto& g : geocodes) {
    if (g.value_name == istat_value_name) out.push_back(g.value);
  }
  return out;
}

std::variant<std::vector<LatLon>, std::string> parse_polygon(std::string_view text) {
  std::vector<LatLon> ring;
  for (const auto w : words(text)) {
    auto p = pair_of(w);
    if (auto* why = std::get_if<std::string>(&p)) return *why;
    ring.push_back(std::get<LatLon>(p));
  }
  if (ring.size() < 4) {
    return "has " + std::to_string(ring.size()) +
           " points; CAP 1.2 needs at least 4, the first repeated as the last";
  }
  if (ring.front().lat != ring.back().lat || ring.front().lon != ring.back().lon) {
    return "is not closed: CAP 1.2 repeats the first point as the last";
  }
  // Twice the signed area (shoelace): zero when the points lie on one line.
  double twice_area = 0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    twice_area += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat;
  }
  if (twice_area == 0) return "encloses no area: its points lie on one line";
  return ring;
}

std::variant<Circle, std::string> parse_circle(std::string_view text) {
  const auto w = words(text);
  if (w.size() != 2) return "is not 'lat,lon radius' (the radius in km)";
  auto centre = pair_of(w[0]);
  if (auto* why = std::get_if<std::string>(&centre)) return *why;
  const auto radius = number(w[1]);
  // CAP's own example gives a point as radius 0.
  if (!radius || *radius < 0 || *radius > 1000) {
    return "radius '" + std::string(w[1]) + "' is not a distance in km from 0 to 1000";
  }
  return Circle{std::get<LatLon>(centre), *radius};
}

std::optional<std::string> geocode_problem(const GeoCode& code) {
  if (code.value_name.empty() || code.value.empty()) return "needs a valueName and a value";
  if (code.value_name == istat_value_name) {
    // ISTAT municipality codes: six digits (province and municipality).
    if (code.value.size() != 6 || code.value.find_first_not_of("0123456789") != std::string::npos) {
      return "ISTAT code '" + code.value + "' is not six digits, such as 015146 (Milano)";
    }
  }
  return std::nullopt;
}

std::string polygon_wkt(const std::vector<LatLon>& ring) {
  std::string out = "POLYGON((";
  for (std::size_t i = 0; i < ring.size(); ++i) {
    out += fmt::format("{}{} {}", i ? "," : "", ring[i].lon, ring[i].lat);
  }
  return out + "))";
}

}  // namespace araldo::model
