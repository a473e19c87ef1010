// A schedule's recurrence as clients write it: a schedule document, a cron expression or
// an RRULE. Never a crash; a cron expression that translates always gives an RRULE that
// libical reads; occurrences always come after the instant asked for, in order.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>

#include "daemon/schedule/cron_expression.hpp"
#include "daemon/schedule/recurrence.hpp"
#include "daemon/schedule/schedule_spec.hpp"

namespace {

using araldo::schedule::Instant;

void check_occurrences(const araldo::schedule::Recurrence& r, Instant after) {
  const auto found = r.between(after, after + std::chrono::hours(24 * 400), 20);
  Instant last = after;
  for (auto t : found) {
    if (t <= last) std::abort();  // not after the previous one
    last = t;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace araldo::schedule;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const Instant now(std::chrono::seconds(1'800'000'000));  // 2027-01-15
  if (!input.empty() && input[0] == '{') {
    boost::system::error_code ec;
    const auto doc = boost::json::parse(input, ec);
    if (ec) return 0;
    auto spec = schedule_from_json(doc, now);
    if (auto* s = std::get_if<ScheduleSpec>(&spec)) {
      if (s->first <= now) std::abort();
      check_occurrences(*s->recurrence, now);
    }
    return 0;
  }
  auto translated = cron_to_rrule(input);
  if (auto* rrule = std::get_if<std::string>(&translated)) {
    auto r = Recurrence::parse(*rrule, "2000-01-01T00:00", "Europe/Rome");
    if (!std::holds_alternative<Recurrence>(r)) std::abort();  // we wrote an RRULE it refuses
    check_occurrences(std::get<Recurrence>(r), now);
  }
  auto direct = Recurrence::parse(input, "2026-03-29T02:30", "Europe/Rome");
  if (auto* r = std::get_if<Recurrence>(&direct)) check_occurrences(*r, now);
  return 0;
}
