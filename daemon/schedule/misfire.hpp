#pragma once
// Which due occurrences of a schedule are sent and which are missed. An occurrence handled
// within a minute of its time is on time, whatever the policy. Later than that (the
// daemons were down, or the database was), `skip` sends nothing, and `send_late` sends the
// most recent occurrence still within its bound, once: after a day down, a daily bulletin
// goes out once, not once for each day missed. The others are recorded as missed.
#include <chrono>
#include <string>
#include <vector>

#include "daemon/schedule/recurrence.hpp"

namespace araldo::schedule {

inline constexpr std::chrono::seconds kOnTime{60};
inline constexpr std::chrono::seconds kMaxLateWithin{24 * 3600};

enum class MisfirePolicy { skip, send_late };

struct Misfire {
  MisfirePolicy policy = MisfirePolicy::skip;
  std::chrono::seconds within{0};  // send_late: how late is still worth sending
};

std::string to_string(MisfirePolicy policy);

struct Decision {
  Instant occurrence;
  bool send = false;
};

// `due`: occurrences not after `now`, in order.
std::vector<Decision> decide(const std::vector<Instant>& due, Instant now, const Misfire& misfire);

}  // namespace araldo::schedule
