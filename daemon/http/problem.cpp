#include "daemon/http/problem.hpp"

#include <boost/json.hpp>

namespace araldo::http {

Response Problem::to_response() const {
  boost::json::object doc;
  doc["type"] = "urn:araldo:problem:" + type;
  doc["title"] = title;
  doc["status"] = status;
  if (!detail.empty()) doc["detail"] = detail;
  if (!errors.empty()) {
    boost::json::array list;
    for (const auto& e : errors) list.push_back({{"pointer", e.pointer}, {"detail", e.detail}});
    doc["errors"] = std::move(list);
  }
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/problem+json");
  r.body = boost::json::serialize(doc);
  if (status == 401) r.headers.set("WWW-Authenticate", "Bearer realm=\"araldo\"");
  if (status == 503) r.headers.set("Retry-After", "5");
  return r;
}

Problem bad_request(std::string type, std::string detail, std::vector<FieldError> errors) {
  return {400, std::move(type), "Bad request", std::move(detail), std::move(errors)};
}

Problem unprocessable(std::vector<FieldError> errors) {
  std::string detail = errors.size() == 1 ? errors.front().pointer + ": " + errors.front().detail
                                          : std::to_string(errors.size()) + " fields are invalid";
  return {422, "validation-failed", "The alert is not valid", std::move(detail), std::move(errors)};
}

Problem unauthorized(std::string detail) {
  return {401, "unauthorized", "Missing or invalid API key", std::move(detail), {}};
}

Problem not_found(std::string detail) {
  return {404, "not-found", "Not found", std::move(detail), {}};
}

Problem service_unavailable(std::string detail) {
  return {503, "service-unavailable", "Service unavailable", std::move(detail), {}};
}

}  // namespace araldo::http
