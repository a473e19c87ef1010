// A subscriber CSV as a spreadsheet may export it: never a crash, every error at a line,
// and every subscriber read is a normalised number.
#include <cstdint>
#include <cstdlib>

#include "daemon/api/subscriber_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace araldo;
  const std::string_view csv(reinterpret_cast<const char*>(data), size);
  const auto r = api::subscribers_from_csv(csv, 1000);
  if (const auto* errors = std::get_if<std::vector<http::FieldError>>(&r)) {
    for (const auto& e : *errors) {
      if (e.pointer.rfind("/line/", 0) != 0) std::abort();
    }
    (void)http::unprocessable(*errors).to_response();
    return 0;
  }
  for (const auto& s : std::get<std::vector<store::Subscriber>>(r)) {
    if (api::normalize_phone(s.address) != s.address) std::abort();
  }
  return 0;
}
