#include "daemon/api/zones_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "daemon/api/query_params.hpp"
#include "daemon/api/zone_input.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/store/zone_store.hpp"

namespace araldo::api {

http::Response ZonesApi::save(const Call& call) const {
  auto parsed = model::parse_json_body(call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  auto read = zones_from_geojson(std::get<boost::json::value>(parsed));
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&read)) {
    return http::unprocessable(std::move(*errors), "The zones are not valid").to_response();
  }
  const auto saved =
      store::save_zones(db_, std::get<std::vector<store::ZoneInput>>(read), call.caller.name);
  if (const auto* problems = std::get_if<std::vector<store::ZoneProblem>>(&saved)) {
    std::vector<http::FieldError> errors;
    for (const auto& p : *problems) errors.push_back({p.at, p.detail});
    return http::unprocessable(std::move(errors), "The zones are not valid").to_response();
  }
  const auto& s = std::get<store::ZonesSaved>(saved);
  spdlog::info("event=zones.saved actor={} added={} updated={}", call.caller.name, s.added,
               s.updated);
  return http::Response::json(
      s.added ? 201 : 200,
      boost::json::serialize(boost::json::object{{"added", s.added}, {"updated", s.updated}}));
}

http::Response ZonesApi::list(const Call& call) const {
  std::vector<http::FieldError> errors;
  QueryParams q(call.request, {"geometry"}, {}, errors);
  const auto geometry = q.one("geometry").value_or("false");
  if (geometry != "true" && geometry != "false") {
    errors.push_back(http::in_parameter("geometry", "true or false"));
  }
  if (!errors.empty()) {
    return http::bad_request("invalid-parameter", "bad query parameters", std::move(errors))
        .to_response();
  }
  boost::json::array zones;
  for (const auto& z : store::list_zones(db_, geometry == "true")) {
    boost::json::array codes;
    for (const auto& c : z.istat_codes) codes.emplace_back(c);
    boost::json::object o{{"name", z.name},
                          {"label", z.label},
                          {"keyword", z.keyword ? boost::json::value(*z.keyword) : nullptr},
                          {"istat", std::move(codes)},
                          {"area_km2", z.area_km2},
                          {"subscribers", z.subscribers}};
    if (geometry == "true") {
      o["geometry"] = z.geometry ? boost::json::parse(*z.geometry) : boost::json::value(nullptr);
    }
    zones.push_back(std::move(o));
  }
  return http::Response::json(200, boost::json::serialize(boost::json::object{{"zones", zones}}));
}

http::Response ZonesApi::remove(const Call& call) const {
  const auto& name = call.params.at("name");
  if (!store::delete_zone(db_, name, call.caller.name)) {
    return http::not_found("no zone named '" + name + "'").to_response();
  }
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace araldo::api
