#pragma once
// /v1/schedules: recurring notices. A scheduler manages its own schedules, an admin all;
// operators and auditors read them. Each answer shows the next occurrences in UTC and on
// the schedule's wall clock, so a rule can be checked before it first fires.
#include "daemon/api/route_table.hpp"
#include "daemon/intake/alert_intake.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class SchedulesApi {
 public:
  SchedulesApi(store::Database& db, const intake::AlertIntake& intake) : db_(db), intake_(intake) {}

  http::Response create(const Call& call) const;  // POST /v1/schedules
  http::Response list(const Call& call) const;    // GET /v1/schedules
  http::Response get(const Call& call) const;     // GET /v1/schedules/{id}
  http::Response patch(const Call& call) const;   // PATCH /v1/schedules/{id}: {"enabled": b}
  http::Response remove(const Call& call) const;  // DELETE /v1/schedules/{id}

 private:
  store::Database& db_;
  const intake::AlertIntake& intake_;
};

}  // namespace araldo::api
