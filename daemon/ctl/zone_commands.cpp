#include "daemon/ctl/zone_commands.hpp"

#include <fmt/format.h>

#include <ostream>

#include "daemon/ctl/alert_input.hpp"
#include "daemon/ctl/answer.hpp"

namespace araldo::ctl {

Exit import_zones(Context& c, const std::string& file) {
  std::string geojson;
  try {
    geojson = read_input_file(file);
  } catch (const AlertInputError& e) {
    c.err << "araldoctl: " << e.what() << "\n";
    return Exit::usage;
  }
  // The server reads and checks it whole (PostGIS reads the geometry): all or nothing.
  return answer(c, c.api.request("POST", "/v1/zones", geojson, "application/json"),
                [&](const boost::json::object& doc) {
                  c.out << "added " << text_of(doc.if_contains("added")) << ", updated "
                        << text_of(doc.if_contains("updated")) << "\n";
                });
}

Exit list_zones(Context& c) {
  return answer(c, c.api.request("GET", "/v1/zones"), [&](const boost::json::object& doc) {
    c.out << fmt::format("{:<20} {:<24} {:<12} {:>10} {:>11}  {}\n", "NAME", "LABEL", "KEYWORD",
                         "KM2", "SUBSCRIBERS", "ISTAT");
    for (const auto& z : doc.at("zones").as_array()) {
      const auto& o = z.as_object();
      std::string codes;
      for (const auto& code : o.at("istat").as_array()) {
        codes += (codes.empty() ? "" : ",") + text_of(&code);
      }
      c.out << fmt::format("{:<20} {:<24} {:<12} {:>10.2f} {:>11}  {}\n",
                           text_of(o.if_contains("name")), text_of(o.if_contains("label")),
                           o.at("keyword").is_null() ? "-" : text_of(o.if_contains("keyword")),
                           o.at("area_km2").to_number<double>(),
                           text_of(o.if_contains("subscribers")), codes.empty() ? "-" : codes);
    }
  });
}

Exit delete_zone(Context& c, const std::string& name) {
  return answer(c, c.api.request("DELETE", "/v1/zones/" + encode_segment(name)),
                [](const boost::json::object&) {});
}

}  // namespace araldo::ctl
