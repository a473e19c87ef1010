#pragma once
// The two-person rule over HTTP:
//   POST /v1/alerts/{id}/approve                      another operator releases a held alert
//   POST /v1/alerts/{id}/reject  {"reason": "..."}    or stops it, saying why
// The author's own key is refused (403); a decided or expired request is a 409.
#include <functional>

#include "daemon/api/route_table.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class ApprovalsApi {
 public:
  // `new_work` wakes the dispatchers once an approval has released deliveries.
  ApprovalsApi(store::Database& db, std::function<void()> new_work);

  http::Response approve(const Call& call) const;  // {id}
  http::Response reject(const Call& call) const;   // {id}, a JSON body with the reason

 private:
  http::Response decide(const Call& call, bool approve, const std::string& reason) const;

  store::Database& db_;
  std::function<void()> new_work_;
};

}  // namespace araldo::api
