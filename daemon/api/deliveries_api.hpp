#pragma once
// Dead letters and the operator's hand on them:
//   GET  /v1/deliveries?state=failed[&alert_id=…][&after=ID][&limit=N]  list (failed by default)
//   POST /v1/deliveries/{id}/retry   queue one failed delivery again (and the parts it withheld)
//   POST /v1/alerts/{id}/retry       queue every failed delivery of an alert again
//   POST /v1/alerts/{id}/follow-up   {"after_minutes": N}: the alert again to the
//                                    subscribers who have not answered it after N minutes
#include <functional>

#include <boost/json/object.hpp>
#include <set>
#include <string>

#include "daemon/api/query_params.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/privacy/shown_target.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/delivery_actions_store.hpp"

namespace araldo::api {

// The delivery filters the list and the export share (state repeatable); no state: every
// state. Errors go to `errors`, each naming its parameter.
inline const std::set<std::string> kDeliveryFilterParams{"state",  "alert_id", "channel",
                                                         "target", "since",    "until"};
store::DeliveryFilter delivery_filter(QueryParams& q, std::vector<http::FieldError>& errors);
// `shown`: the target as the caller may see it (privacy/shown_target).
boost::json::object delivery_json(const store::DeliveryRow& d, const privacy::ShownTarget& shown);
// The target of `d` as `caller` may see it: masked for an auditor.
template <typename Row>  // store::DeliveryRow, store::DeliveryStatus
privacy::ShownTarget target_for(const Caller& caller, const Row& d,
                                const privacy::Pseudonyms& pseudonyms) {
  return privacy::shown_target(d.target, d.personal, d.masked_target, caller.role == Role::Auditor,
                               pseudonyms);
}

class DeliveriesApi {
 public:
  // `new_work` is called after a retry commits, to wake the dispatchers.
  DeliveriesApi(
      store::Database& db, const privacy::Pseudonyms& pseudonyms,
      std::function<void()> new_work = [] {});

  http::Response list(const Call& call) const;
  http::Response retry_one(const Call& call) const;    // {id}: a delivery
  http::Response follow_up(const Call& call) const;    // {id}: an alert
  http::Response retry_alert(const Call& call) const;  // {id}: an alert

 private:
  store::Database& db_;
  const privacy::Pseudonyms& pseudonyms_;
  std::function<void()> new_work_;
};

}  // namespace araldo::api
