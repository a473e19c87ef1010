#include "daemon/schedule/misfire.hpp"

namespace araldo::schedule {

std::string to_string(MisfirePolicy policy) {
  return policy == MisfirePolicy::skip ? "skip" : "send_late";
}

std::vector<Decision> decide(const std::vector<Instant>& due, Instant now, const Misfire& misfire) {
  std::vector<Decision> out;
  bool on_time_sent = false;
  for (const auto& o : due) {
    const bool on_time = now - o <= kOnTime;
    out.push_back({o, on_time});
    on_time_sent = on_time_sent || on_time;
  }
  if (on_time_sent || misfire.policy != MisfirePolicy::send_late) return out;
  // The latest late occurrence within the bound, alone.
  for (auto it = out.rbegin(); it != out.rend(); ++it) {
    if (now - it->occurrence <= misfire.within) {
      it->send = true;
      break;
    }
  }
  return out;
}

}  // namespace araldo::schedule
