#include "daemon/api/approvals_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "daemon/api/alert_id.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/model/json_body.hpp"
#include "daemon/store/approval_store.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::api {

using Result = store::ApprovalDecision::Result;

ApprovalsApi::ApprovalsApi(store::Database& db, std::function<void()> new_work)
    : db_(db), new_work_(std::move(new_work)) {}

http::Response ApprovalsApi::approve(const Call& call) const {
  return decide(call, true, "");
}

http::Response ApprovalsApi::reject(const Call& call) const {
  auto parsed = model::parse_json_body(call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  const auto& doc = std::get<boost::json::value>(parsed);
  const auto* reason = doc.is_object() ? doc.as_object().if_contains("reason") : nullptr;
  std::string why = reason && reason->is_string() ? std::string(reason->as_string()) : "";
  const bool extra = doc.is_object() && doc.as_object().size() > (reason ? 1u : 0u);
  if (why.find_first_not_of(" \t\r\n") == std::string::npos || why.size() > 500 ||
      text::first_invalid_utf8(why) || extra) {
    return http::unprocessable({{extra ? "" : "/reason",
                                 extra ? "the body holds only \"reason\""
                                       : "say why the alert is rejected (1-500 characters): "
                                         "the author and the auditors will read it"}},
                               "The rejection is not valid")
        .to_response();
  }
  return decide(call, false, why);
}

http::Response ApprovalsApi::decide(const Call& call, bool approve,
                                    const std::string& reason) const {
  const auto& id = call.params.at("id");
  if (auto bad = reject_alert_id(id)) return *bad;
  const auto d = store::decide_approval(db_, id, call.caller.name, approve, reason);
  switch (d.result) {
    case Result::not_found:
      return http::not_found("no alert with id " + id).to_response();
    case Result::own_alert:
      return http::Problem{403,
                           "approval-by-author",
                           "The author cannot decide on their own alert",
                           "alert " + id + " was sent by " + d.submitted_by +
                               "; another operator's key must approve or reject it",
                           {}}
          .to_response();
    case Result::expired:
      return http::Problem{409,
                           "approval-expired",
                           "The approval request expired",
                           "nobody approved alert " + id + " before " + d.expires_at +
                               ": nothing was sent. Send it again if it is still needed.",
                           {}}
          .to_response();
    case Result::not_awaiting:
      return http::Problem{409,
                           "approval-not-awaited",
                           "The alert is not awaiting approval",
                           d.state.empty() ? "alert " + id + " needed no approval"
                                           : "alert " + id + " is already " + d.state,
                           {}}
          .to_response();
    case Result::decided:
      break;
  }
  spdlog::warn("event=alert.{} alert_id={} actor={} author={} deliveries={}",
               approve ? "approved" : "rejected", id, call.caller.name, d.submitted_by,
               d.deliveries);
  if (approve) new_work_();
  return http::Response::json(200, boost::json::serialize(boost::json::object{
                                       {"id", id},
                                       {"approval", d.state},
                                       {"decided_by", call.caller.name},
                                       {approve ? "released" : "cancelled", d.deliveries}}));
}

}  // namespace araldo::api
