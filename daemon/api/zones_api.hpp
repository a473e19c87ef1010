#pragma once
// Zones, the named parts of the territory alerts are targeted to:
//   POST   /v1/zones          add or replace zones from GeoJSON (admin)
//   GET    /v1/zones          list them, with subscribers per zone (?geometry=true: GeoJSON)
//   DELETE /v1/zones/{name}   delete one (admin); its subscribers keep their other zones
#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class ZonesApi {
 public:
  explicit ZonesApi(store::Database& db) : db_(db) {}

  http::Response save(const Call& call) const;
  http::Response list(const Call& call) const;
  http::Response remove(const Call& call) const;

 private:
  store::Database& db_;
};

}  // namespace araldo::api
