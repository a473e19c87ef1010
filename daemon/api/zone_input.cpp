#include "daemon/api/zone_input.hpp"

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "daemon/model/alert_area.hpp"

namespace araldo::api {
namespace {

using http::FieldError;

std::optional<store::ZoneInput> read_feature(const boost::json::value& f, const std::string& at,
                                             std::vector<FieldError>& errors) {
  static const std::regex name_shape("[a-z0-9][a-z0-9_-]{0,62}");
  static const std::regex keyword_shape("[A-Z0-9]{2,32}");
  const auto before = errors.size();
  if (!f.is_object() || !f.as_object().contains("type") || f.at("type") != "Feature") {
    errors.push_back({at, "must be a GeoJSON Feature ({\"type\": \"Feature\", ...})"});
    return std::nullopt;
  }
  store::ZoneInput z;
  z.at = at;
  const auto* props = f.as_object().if_contains("properties");
  if (!props || !props->is_object()) {
    errors.push_back({at + "/properties", "must be an object with at least a name"});
    return std::nullopt;
  }
  const auto& p = props->as_object();
  auto text = [&](const char* key) -> std::optional<std::string> {
    const auto* v = p.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      errors.push_back({at + "/properties/" + key, "must be a string"});
      return std::nullopt;
    }
    return std::string(v->as_string());
  };
  z.name = text("name").value_or("");
  if (!std::regex_match(z.name, name_shape)) {
    errors.push_back({at + "/properties/name",
                      "'" + z.name + "' is not a zone name: 1-63 of a-z 0-9 _ -, e.g. niguarda"});
  }
  z.label = text("label").value_or(z.name);
  if (z.label.empty() || z.label.size() > 200) {
    errors.push_back({at + "/properties/label", "must be 1-200 bytes"});
  }
  if (auto k = text("keyword")) {
    for (auto& c : *k) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!std::regex_match(*k, keyword_shape)) {
      errors.push_back({at + "/properties/keyword",
                        "'" + *k + "' is not a keyword: 2-32 letters A-Z or digits, one word"});
    } else {
      z.keyword = *k;
    }
  }
  if (const auto* codes = p.if_contains("istat"); codes && !codes->is_null()) {
    if (!codes->is_array()) {
      errors.push_back({at + "/properties/istat", "must be an array of ISTAT codes"});
    } else {
      for (std::size_t i = 0; i < codes->as_array().size(); ++i) {
        const auto& c = codes->as_array()[i];
        const auto where = at + "/properties/istat/" + std::to_string(i);
        if (!c.is_string()) {
          errors.push_back({where, "must be a string (leading zeros matter)"});
        } else if (auto why = model::geocode_problem(
                       {std::string(model::istat_value_name), std::string(c.as_string())})) {
          errors.push_back({where, *why});
        } else {
          z.istat_codes.emplace_back(c.as_string());
        }
      }
    }
  }
  const auto* g = f.as_object().if_contains("geometry");
  if (g && !g->is_null()) {
    if (!g->is_object()) {
      errors.push_back({at + "/geometry", "must be a GeoJSON geometry object or null"});
    } else {
      z.geometry = boost::json::serialize(*g);
    }
  }
  if (!z.geometry && z.istat_codes.empty()) {
    errors.push_back({at, "a zone needs a geometry (Polygon, MultiPolygon) or ISTAT codes"});
  }
  if (errors.size() != before) return std::nullopt;
  return z;
}

}  // namespace

std::variant<std::vector<store::ZoneInput>, std::vector<FieldError>> zones_from_geojson(
    const boost::json::value& doc) {
  std::vector<FieldError> errors;
  std::vector<store::ZoneInput> out;
  if (doc.is_object() && doc.as_object().contains("type") && doc.at("type") == "Feature") {
    if (auto z = read_feature(doc, "", errors)) out.push_back(std::move(*z));
  } else if (doc.is_object() && doc.as_object().contains("type") &&
             doc.at("type") == "FeatureCollection") {
    const auto* features = doc.as_object().if_contains("features");
    if (!features || !features->is_array() || features->as_array().empty()) {
      return std::vector<FieldError>{{"/features", "must be a non-empty array of Features"}};
    }
    if (features->as_array().size() > 5000) {
      return std::vector<FieldError>{{"/features", "at most 5000 zones at once"}};
    }
    std::set<std::string> names, keywords;
    for (std::size_t i = 0; i < features->as_array().size() && errors.size() < 50; ++i) {
      const auto at = "/features/" + std::to_string(i);
      auto z = read_feature(features->as_array()[i], at, errors);
      if (!z) continue;
      if (!names.insert(z->name).second) {
        errors.push_back({at + "/properties/name", "zone '" + z->name + "' is given twice"});
      } else if (z->keyword && !keywords.insert(*z->keyword).second) {
        errors.push_back({at + "/properties/keyword", "'" + *z->keyword + "' is given twice"});
      } else {
        out.push_back(std::move(*z));
      }
    }
  } else {
    return std::vector<FieldError>{
        {"/type", "must be \"FeatureCollection\" or \"Feature\" (GeoJSON, RFC 7946)"}};
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace araldo::api
