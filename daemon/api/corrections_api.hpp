#pragma once
// Corrections of what was published:
//   POST /v1/alerts/{id}/cancel   stop what is unsent; edit, remove or answer what was posted
//   POST /v1/alerts/{id}/update   a new alert (the body as for POST /v1/alerts) that edits
//                                 or answers the original's posts and supersedes the rest
#include "daemon/api/route_table.hpp"
#include "daemon/intake/corrections.hpp"

namespace araldo::api {

class CorrectionsApi {
 public:
  CorrectionsApi(const intake::Corrections& corrections, std::function<void()> new_work);

  http::Response cancel(const Call& call) const;  // {id}
  http::Response update(const Call& call) const;  // {id}, an alert as JSON

 private:
  const intake::Corrections& corrections_;
  std::function<void()> new_work_;
};

}  // namespace araldo::api
