#pragma once
// Zones: named parts of the territory that channels' targets and subscribers are bound to
// (schema/020). Geometry is PostGIS's: GeoJSON goes in and out through its own functions.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <variant>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct ZoneInput {
  std::string name;
  std::string label;
  std::optional<std::string> keyword;   // capitals and digits
  std::optional<std::string> geometry;  // a GeoJSON Polygon or MultiPolygon, lon/lat
  std::vector<std::string> istat_codes;
  std::string at;  // where it was given (a JSON Pointer), for errors
};

struct ZoneProblem {
  std::string at;
  std::string detail;
};

struct ZonesSaved {
  long long added = 0;
  long long updated = 0;
};

// Adds or replaces every zone given, in one transaction, each audited as zone.saved with
// its geometry; or, when PostGIS refuses a geometry (not GeoJSON, a ring crossing itself)
// or a keyword belongs to another zone, every such problem and nothing written.
std::variant<ZonesSaved, std::vector<ZoneProblem>> save_zones(Database& db,
                                                              const std::vector<ZoneInput>& zones,
                                                              const std::string& actor);

struct ZoneRow {
  std::string name;
  std::string label;
  std::optional<std::string> keyword;
  std::vector<std::string> istat_codes;
  std::optional<std::string> geometry;  // GeoJSON
  double area_km2 = 0;                  // of the geometry; 0 for ISTAT codes alone
  long long subscribers = 0;
};

std::vector<ZoneRow> list_zones(Database& db, bool with_geometry);
// False when no such zone. Audited; subscribers keep their other zones.
bool delete_zone(Database& db, const std::string& name, const std::string& actor);

struct ZoneName {
  std::string name;
  std::string label;
};

// The zone a citizen named by keyword (in capitals), if any; and every keyword, to tell
// a citizen who named none of them.
std::optional<ZoneName> zone_by_keyword(pqxx::transaction_base& tx, const std::string& keyword);
std::vector<std::string> zone_keywords(pqxx::transaction_base& tx);

// Adds a zone to a subscriber's (audited by the caller, with the opt-in).
void add_subscriber_zone(pqxx::transaction_base& tx, const std::string& channel,
                         const std::string& address, const std::string& zone);

}  // namespace araldo::store
