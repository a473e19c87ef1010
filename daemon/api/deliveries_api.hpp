#pragma once
// Dead letters and the operator's hand on them:
//   GET  /v1/deliveries?state=failed[&alert_id=…][&after=ID][&limit=N]  list (failed by default)
//   POST /v1/deliveries/{id}/retry   queue one failed delivery again (and the parts it withheld)
//   POST /v1/alerts/{id}/retry       queue every failed delivery of an alert again
//   POST /v1/alerts/{id}/cancel      stop what an alert has not sent yet
#include <functional>

#include "daemon/http/http_message.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class DeliveriesApi {
 public:
  // `new_work` is called after a retry commits, to wake the dispatchers.
  explicit DeliveriesApi(
      store::Database& db, std::function<void()> new_work = [] {});

  http::Response list(const http::Request& request) const;
  http::Response retry_one(const http::Request& request, const std::string& id) const;
  http::Response retry_alert(const http::Request& request, const std::string& alert_id) const;
  http::Response cancel_alert(const http::Request& request, const std::string& alert_id) const;

 private:
  store::Database& db_;
  std::function<void()> new_work_;
};

}  // namespace araldo::api
