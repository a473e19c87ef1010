#include "daemon/store/database_settings.hpp"

namespace araldo::store {

DatabaseSettings read_database_settings(config::Section& db, int default_pool) {
  DatabaseSettings s;
  s.url = db.secret("url");
  s.migrate_on_start = db.boolean("migrate_on_start", true);
  s.pool_size = static_cast<int>(db.integer("pool_size", default_pool, 1, 100));
  db.reject_unknown_keys();
  return s;
}

}  // namespace araldo::store
