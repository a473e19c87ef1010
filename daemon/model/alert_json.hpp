#pragma once
// Reading an alert from a request body, with every problem reported at its JSON
// Pointer, and writing one back.
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/http/problem.hpp"
#include "daemon/model/alert.hpp"
#include "daemon/model/json_body.hpp"

namespace araldo::model {

struct AlertDefaults {
  AlertDefaults() = default;
  AlertDefaults(std::string language_, std::string sender_, std::string public_url_ = "")
      : language(std::move(language_)),
        sender(std::move(sender_)),
        public_url(std::move(public_url_)) {}

  std::string language = "it";
  std::string sender;
  std::string public_url;  // the public archive's address, for Alert::public_page; may be empty
  std::string time_zone = "Europe/Rome";  // IANA: how times are shown to readers
  std::string sender_name;                // who issues alerts, as people call it; empty: the sender
};

// Checks fields, types and enumerations; collects every error, not just the first.
// Whether named channels exist is the caller's business (it knows the configuration).
std::variant<Alert, std::vector<http::FieldError>> alert_from_json(
    const boost::json::value& doc, const AlertDefaults& defaults,
    std::chrono::system_clock::time_point now);

boost::json::object alert_to_json(const Alert& alert);

// An accepted alert read back from its stored document (alert_to_json's), whatever has
// expired since: for a cancel or an update rendering what refers to it.
std::optional<Alert> alert_from_document(const boost::json::value& document);

}  // namespace araldo::model
