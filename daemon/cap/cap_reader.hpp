#pragma once
// A CAP 1.2 <alert> read into Araldo's own alert document (the JSON POST /v1/alerts takes),
// with the rules of shared/cap.md checked in code: the 1.2 namespace (1.1 is refused, not
// read silently), the schema's element order, required and conditional elements,
// enumerations, datetimes with an offset. A DTD is refused, so no entity is ever
// defined or expanded and nothing external is fetched. Each error names its element
// ("/alert/info[2]/severity").
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/http/problem.hpp"

namespace araldo::cap {

struct CapMessage {
  boost::json::object alert;  // Araldo's alert document: the first <info>, the others as
                              // translations, status, scope, restriction, addresses, sender
  std::string identifier;
  std::string sent;
  std::string msg_type;                 // Alert, Update or Cancel
  std::vector<std::string> references;  // the identifiers it corrects (Update, Cancel)
};

std::variant<CapMessage, std::vector<http::FieldError>> read_cap(std::string_view xml);

}  // namespace araldo::cap
