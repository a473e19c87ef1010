#include "daemon/api/corrections_api.hpp"

#include <boost/json.hpp>

#include "daemon/api/alert_id.hpp"
#include "daemon/http/problem.hpp"

namespace araldo::api {

CorrectionsApi::CorrectionsApi(const intake::Corrections& corrections,
                               std::function<void()> new_work)
    : corrections_(corrections), new_work_(std::move(new_work)) {}

http::Response CorrectionsApi::cancel(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_alert_id(id)) return *bad;
  const auto done = corrections_.cancel(id, call.caller.name);
  if (!done) return http::not_found("no alert with id " + id).to_response();
  new_work_();
  boost::json::object body{{"cancelled", done->stopped}, {"follow_ups", done->follow_ups}};
  if (done->cancel_id) {
    body["cancel_id"] = *done->cancel_id;
    body["links"] = {{"cancel", "/v1/alerts/" + *done->cancel_id}};
  }
  return http::Response::json(200, boost::json::serialize(body));
}

http::Response CorrectionsApi::update(const Call& call) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_alert_id(id)) return *bad;
  auto result = corrections_.update(id, call.request.body, call.caller.name);
  if (auto* p = std::get_if<http::Problem>(&result)) return p->to_response();
  const auto& accepted = std::get<intake::Accepted>(result);
  const std::string location = "/v1/alerts/" + accepted.alert.id;
  boost::json::object body{{"id", accepted.alert.id},
                           {"status", "accepted"},
                           {"msg_type", "Update"},
                           {"references", boost::json::array{boost::json::value(id)}},
                           {"state", accepted.approval_expires_at ? "awaiting_approval" : "active"},
                           {"deliveries", accepted.alert.deliveries},
                           {"links", {{"self", location}, {"original", "/v1/alerts/" + id}}}};
  auto r = http::Response::json(202, boost::json::serialize(body));
  r.headers.set("Location", location);
  return r;
}

}  // namespace araldo::api
