#pragma once
// Reading subscribers from a request: one as JSON, many as CSV (a header line naming
// address, language and consent_at, in any order). Every bad line is reported, and
// nothing is imported unless all are good.
#include <boost/json/value.hpp>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/http/problem.hpp"
#include "daemon/store/subscriber_store.hpp"

namespace araldo::api {

using SubscribersOrErrors =
    std::variant<std::vector<store::Subscriber>, std::vector<http::FieldError>>;

SubscribersOrErrors subscriber_from_json(const boost::json::value& doc);

// Errors point at "/line/N" (1-based, the header is line 1).
SubscribersOrErrors subscribers_from_csv(std::string_view csv, std::size_t max_rows);

// "+39 333 1234567" -> "393331234567"; nullopt unless E.164 (7 to 15 digits).
std::optional<std::string> normalize_phone(std::string_view input);

}  // namespace araldo::api
