#pragma once
// Dead letters and the operator's hand on them:
//   GET  /v1/deliveries?state=failed[&alert_id=…][&after=ID][&limit=N]  list (failed by default)
//   POST /v1/deliveries/{id}/retry   queue one failed delivery again (and the parts it withheld)
//   POST /v1/alerts/{id}/retry       queue every failed delivery of an alert again
//   POST /v1/alerts/{id}/cancel      stop what an alert has not sent yet
#include "daemon/http/http_message.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class DeliveriesApi {
 public:
  explicit DeliveriesApi(store::Database& db);

  http::Response list(const http::Request& request) const;
  http::Response retry_one(const http::Request& request, const std::string& id) const;
  http::Response retry_alert(const http::Request& request, const std::string& alert_id) const;
  http::Response cancel_alert(const http::Request& request, const std::string& alert_id) const;

 private:
  store::Database& db_;
};

}  // namespace araldo::api
