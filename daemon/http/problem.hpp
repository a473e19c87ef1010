#pragma once
// RFC 9457 problem documents: every error Araldo's API answers is one of these.
#include <string>
#include <vector>

#include "daemon/http/http_message.hpp"

namespace araldo::http {

// One thing wrong with the input: where (a JSON Pointer into the request body, or a
// header/parameter name) and what.
struct FieldError {
  std::string pointer;
  std::string detail;
};

struct Problem {
  int status = 500;
  std::string type;  // short slug, e.g. "validation-failed"; becomes urn:araldo:problem:<slug>
  std::string title;
  std::string detail;
  std::vector<FieldError> errors;

  Response to_response() const;
};

Problem bad_request(std::string type, std::string detail, std::vector<FieldError> errors = {});
Problem unprocessable(std::vector<FieldError> errors);
Problem unauthorized(std::string detail);
Problem not_found(std::string detail);
Problem service_unavailable(std::string detail);

}  // namespace araldo::http
