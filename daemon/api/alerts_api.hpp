#pragma once
// POST /v1/alerts (accept an alert: validate, render, queue; an Idempotency-Key makes a
// repeated request return the first answer), POST /v1/alerts/preview (what would be
// published, and what is wrong, without sending), GET /v1/alerts/{id} and
// GET /v1/alerts/{id}/by-zone (the per-zone figures, CSV by default).
#include "daemon/api/route_table.hpp"
#include "daemon/http/http_message.hpp"
#include "daemon/intake/alert_intake.hpp"
#include "daemon/intake/corrections.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class AlertsApi {
 public:
  AlertsApi(intake::AlertIntake& intake, const intake::Corrections& corrections,
            store::Database& db, const privacy::Pseudonyms& pseudonyms);

  // operator, scheduler; JSON, or CAP 1.2 XML (an Alert, or an Update or Cancel of an
  // alert Araldo sent)
  http::Response post(const Call& call) const;
  http::Response preview(const Call& call) const;  // the same body; writes nothing
  http::Response get(const Call& call) const;      // {id}
  http::Response by_zone(const Call& call) const;  // {id}: ?format=csv|json

 private:
  http::Response post_cap(const Call& call, const std::optional<std::string>& key) const;

  intake::AlertIntake& intake_;
  const intake::Corrections& corrections_;
  store::Database& db_;
  const privacy::Pseudonyms& pseudonyms_;
};

}  // namespace araldo::api
