// An alert body as a client may send it: parsing and validating never crash, and an alert
// that validates writes back to JSON that validates again to the same document.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>

#include "daemon/model/alert_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace araldo;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = model::parse_json_body(body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    (void)model::to_problem(*e).to_response();
    return 0;
  }
  const auto now = std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 56));
  auto alert = model::alert_from_json(std::get<boost::json::value>(parsed), {"it", "pc"}, now);
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&alert)) {
    (void)http::unprocessable(*errors).to_response();
    return 0;
  }
  // An accepted alert's stored document must be accepted again as the same alert.
  const auto doc = model::alert_to_json(std::get<model::Alert>(alert));
  auto again = model::alert_from_json(doc, {"it", "pc"}, now);
  if (!std::holds_alternative<model::Alert>(again) ||
      model::alert_to_json(std::get<model::Alert>(again)) != doc) {
    std::abort();
  }
  return 0;
}
