#pragma once
// When a schedule fires: an RFC 5545 RRULE iterated by libical from a local start time in
// an IANA time zone. Occurrences are UTC instants. A local time that does not exist (the
// hour skipped in spring) is read with the offset before the gap, and one that occurs
// twice (the hour repeated in autumn) is the first of the two, as RFC 5545 (3.3.5) says.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace araldo::schedule {

using Instant = std::chrono::sys_seconds;

// What is wrong with a recurrence, and which field of it ("rrule", "start", "time_zone",
// "cron").
struct RecurrenceError {
  std::string field;
  std::string message;
};

class Recurrence {
 public:
  // rrule: "FREQ=...;..." (an "RRULE:" prefix is allowed); start: local
  // YYYY-MM-DDTHH:MM[:SS] without offset; time_zone: an IANA name such as Europe/Rome.
  static std::variant<Recurrence, RecurrenceError> parse(const std::string& rrule,
                                                         const std::string& start,
                                                         const std::string& time_zone);

  // Occurrences t with after < t <= until, in order, at most `max`.
  std::vector<Instant> between(Instant after, Instant until, std::size_t max) const;
  // The first occurrence after t; nullopt when the rule has ended (COUNT, UNTIL) or has
  // none in the next 100 years.
  std::optional<Instant> next_after(Instant t) const;

  // `t` on the wall clock of the time zone, YYYY-MM-DDTHH:MM:SS.
  std::string local_time(Instant t) const;

  const std::string& rrule() const { return rrule_; }
  const std::string& start() const { return start_; }  // YYYY-MM-DDTHH:MM:SS, local
  const std::string& time_zone() const { return time_zone_; }

 private:
  Recurrence(std::string rrule, std::string start, std::string time_zone)
      : rrule_(std::move(rrule)), start_(std::move(start)), time_zone_(std::move(time_zone)) {}
  std::string rrule_, start_, time_zone_;
};

}  // namespace araldo::schedule
