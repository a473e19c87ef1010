// A CAP 1.2 document as another alerting system may send it: reading never crashes, and
// an accepted document that makes a valid alert is written back by Araldo as CAP that
// reads again to the same alert.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>

#include "daemon/cap/cap_reader.hpp"
#include "daemon/cap/cap_writer.hpp"
#include "daemon/model/alert_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace araldo;
  auto read = cap::read_cap(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto* message = std::get_if<cap::CapMessage>(&read);
  if (!message) return 0;
  const auto epoch = std::chrono::system_clock::time_point{};
  auto alert = model::alert_from_json(message->alert, {"it", ""}, epoch);
  const auto* a = std::get_if<model::Alert>(&alert);
  if (!a) return 0;
  const auto xml =
      cap::to_cap_xml({"id-1", "pc@comune.example", "2026-03-14T06:30:00+01:00", {}}, *a);
  auto again = cap::read_cap(xml);
  const auto* m2 = std::get_if<cap::CapMessage>(&again);
  if (!m2) std::abort();
  auto a2 = model::alert_from_json(m2->alert, {"it", ""}, epoch);
  if (!std::holds_alternative<model::Alert>(a2)) std::abort();
  auto expected = model::alert_to_json(*a);
  expected["sender"] = "pc@comune.example";  // the envelope's sender is the one written
  auto got = model::alert_to_json(std::get<model::Alert>(a2));
  if (got != expected) std::abort();
  return 0;
}
