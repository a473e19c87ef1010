#include "daemon/http/problem.hpp"

#include <boost/json.hpp>

#include "daemon/text/utf8.hpp"

namespace araldo::http {

Response Problem::to_response() const {
  boost::json::object doc;
  doc["type"] = "urn:araldo:problem:" + type;
  // Details may quote what the client sent: never let its bytes make the document invalid.
  doc["title"] = text::valid_utf8(title);
  doc["status"] = status;
  if (!detail.empty()) doc["detail"] = text::valid_utf8(detail);
  if (!errors.empty()) {
    boost::json::array list;
    for (const auto& e : errors) {
      boost::json::object where;
      if (!e.parameter.empty()) {
        where["parameter"] = text::valid_utf8(e.parameter);
      } else if (!e.header.empty()) {
        where["header"] = text::valid_utf8(e.header);
      } else {
        where["pointer"] = text::valid_utf8(e.pointer);
      }
      where["detail"] = text::valid_utf8(e.detail);
      list.push_back(std::move(where));
    }
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

FieldError in_parameter(std::string name, std::string detail) {
  return {"", std::move(detail), std::move(name), ""};
}

FieldError in_header(std::string name, std::string detail) {
  return {"", std::move(detail), "", std::move(name)};
}

Problem unprocessable(std::vector<FieldError> errors, std::string title) {
  std::string detail;
  if (errors.size() == 1) {
    const auto& e = errors.front();
    const auto& where = !e.parameter.empty() ? e.parameter
                        : !e.header.empty()  ? e.header
                                             : e.pointer;
    detail = where + ": " + e.detail;
  } else {
    detail = std::to_string(errors.size()) + " fields are invalid";
  }
  return {422, "validation-failed", std::move(title), std::move(detail), std::move(errors)};
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
