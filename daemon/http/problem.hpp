#pragma once
// RFC 9457 problem documents: every error Araldo's API answers is one of these.
#include <string>
#include <vector>

#include "daemon/http/http_message.hpp"

namespace araldo::http {

// One thing wrong with the input: where and what. Where is one of: a JSON Pointer into the
// request body ("/severity", "/line/3" of a CSV), a path or query parameter, a header.
struct FieldError {
  std::string pointer;
  std::string detail;
  std::string parameter = {};
  std::string header = {};
};
FieldError in_parameter(std::string name, std::string detail);
FieldError in_header(std::string name, std::string detail);

struct Problem {
  int status = 500;
  std::string type;  // short slug, e.g. "validation-failed"; becomes urn:araldo:problem:<slug>
  std::string title;
  std::string detail;
  std::vector<FieldError> errors;

  Response to_response() const;
};

Problem bad_request(std::string type, std::string detail, std::vector<FieldError> errors = {});
Problem unprocessable(std::vector<FieldError> errors,
                      std::string title = "The request is not valid");
Problem unauthorized(std::string detail);
Problem not_found(std::string detail);
Problem service_unavailable(std::string detail);

}  // namespace araldo::http
