#pragma once
// The database's section of araldod.yaml (`database:`).
#include "daemon/config/section.hpp"

namespace araldo::store {

struct DatabaseSettings {
  config::Secret url;  // libpq connection string or URI; may carry a password
  bool migrate_on_start = true;
  int pool_size = 4;
};

// `default_pool`: one connection per HTTP thread unless the section says otherwise.
DatabaseSettings read_database_settings(config::Section& section, int default_pool);

}  // namespace araldo::store
