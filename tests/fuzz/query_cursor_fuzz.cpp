// A listing request's query string and cursor: never a crash; a cursor decodes only when
// this server signed it for this query.
#include <cstdint>
#include <cstdlib>

#include "daemon/api/cursor.hpp"
#include "daemon/api/query_params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace araldo;
  const std::string input(reinterpret_cast<const char*>(data), size);
  http::Request request;
  request.method = "GET";
  request.target = "/v1/alerts?" + input;
  std::vector<http::FieldError> errors;
  api::QueryParams q(request, {"since", "until", "severity", "limit", "cursor"}, {"severity"},
                     errors);
  (void)q.time("since");
  (void)q.time("until");
  (void)q.limit(100, 500);
  (void)api::with_parameter(request, "cursor", "x");
  const api::CursorCodec codec("fuzz-secret");
  const auto query = q.canonical({"cursor", "limit"});
  if (auto cursor = q.one("cursor")) {
    auto decoded = codec.decode(*cursor, query);
    // Only what encode() made can decode: anything else is refused.
    if (std::holds_alternative<boost::json::object>(decoded) &&
        codec.encode(std::get<boost::json::object>(decoded), query).empty()) {
      std::abort();
    }
  }
  (void)codec.decode(input, query);
  (void)http::bad_request("invalid-query", "x", errors).to_response();
  return 0;
}
