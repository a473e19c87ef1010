#pragma once
// POST /v1/alerts (accept an alert: validate, render, queue; an Idempotency-Key makes a
// repeated request return the first answer) and GET /v1/alerts/{id}.
#include "daemon/api/route_table.hpp"
#include "daemon/http/http_message.hpp"
#include "daemon/intake/alert_intake.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class AlertsApi {
 public:
  AlertsApi(intake::AlertIntake& intake, store::Database& db);

  http::Response post(const Call& call) const;  // operator, scheduler
  http::Response get(const Call& call) const;   // {id}

 private:
  intake::AlertIntake& intake_;
  store::Database& db_;
};

}  // namespace araldo::api
