#pragma once
// Keyset pagination cursors: where the next page starts, opaque to the client, signed
// (HMAC-SHA256) so a forged or edited one is refused, bound to the query that made it (a
// cursor from another filter is refused, not silently misapplied), and expiring.
#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace araldo::api {

struct CursorError {
  std::string detail;
};

class CursorCodec {
 public:
  // `secret`: shared by the daemons behind one address, so any of them reads another's
  // cursor (derived from the audit signing key; random per process without one).
  explicit CursorCodec(std::string secret, std::chrono::seconds lifetime = std::chrono::hours(1));

  // `query`: the filters that define the result set, canonically written.
  std::string encode(const boost::json::object& position, std::string_view query) const;
  std::variant<boost::json::object, CursorError> decode(std::string_view cursor,
                                                        std::string_view query) const;

 private:
  std::string secret_;
  std::chrono::seconds lifetime_;
};

// A secret for CursorCodec: from a configured key, else random.
std::string cursor_secret(const std::string* configured_key);

}  // namespace araldo::api
