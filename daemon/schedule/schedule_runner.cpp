#include "daemon/schedule/schedule_runner.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/schedule/misfire.hpp"

namespace araldo::schedule {

namespace {

// Enough to catch up a minutely schedule after a week down; older ones are not listed.
constexpr std::size_t kMaxCatchUp = 10'000;

long long epoch(Instant t) {
  return t.time_since_epoch().count();
}
Instant instant(long long s) {
  return Instant(std::chrono::seconds(s));
}

std::string problem_summary(const http::Problem& p) {
  std::string out = p.title;
  if (p.errors.empty() && !p.detail.empty()) out += ": " + p.detail;
  for (const auto& e : p.errors) {
    out += "; " + (e.pointer.empty() ? std::string() : e.pointer + " ") + e.detail;
  }
  return out;
}

}  // namespace

ScheduleRunner::ScheduleRunner(store::Database& db, const intake::AlertIntake& intake,
                               RunnerOptions options, Clock clock)
    : db_(db), intake_(intake), options_(options), clock_(std::move(clock)) {}

Instant ScheduleRunner::system_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void ScheduleRunner::run(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    try {
      tick();
    } catch (const store::DatabaseUnavailable& e) {
      spdlog::warn("event=schedule.database_unavailable error=\"{}\"", e.what());
    } catch (const std::exception& e) {
      spdlog::error("event=schedule.tick_failed error=\"{}\"", e.what());
    }
    std::unique_lock lock(m);
    wake.wait_for(lock, stop, options_.poll_interval, [] { return false; });
  }
}

int ScheduleRunner::tick() {
  const Instant now = clock_();
  // Nobody holds a revoked or expired key: its schedules stop sending in its name.
  if (const int n = store::disable_schedules_of_dead_keys(db_)) {
    spdlog::warn("event=schedule.disabled schedules={} reason=\"their key was revoked or expired\"",
                 n);
  }
  int sent = 0;
  for (const auto& due : store::due_schedules(db_, epoch(now), 100)) {
    try {
      sent += handle(due, now);
    } catch (const store::DatabaseUnavailable&) {
      throw;
    } catch (const std::exception& e) {
      // One broken schedule must not hold up the others.
      spdlog::error("event=schedule.failed schedule_id={} error=\"{}\"", due.id, e.what());
    }
  }
  return sent;
}

int ScheduleRunner::handle(const store::DueSchedule& due, Instant now) {
  auto parsed = Recurrence::parse(due.rrule, due.dtstart, due.time_zone);
  if (auto* e = std::get_if<RecurrenceError>(&parsed)) {
    // Accepted once, so the zone left the system's tzdata: say so every tick.
    spdlog::error("event=schedule.recurrence_unreadable schedule_id={} field={} error=\"{}\"",
                  due.id, e->field, e->message);
    return 0;
  }
  const auto& recurrence = std::get<Recurrence>(parsed);
  std::vector<Instant> occurrences{instant(due.next_at)};
  for (auto o : recurrence.between(instant(due.next_at), now, kMaxCatchUp)) {
    occurrences.push_back(o);
  }
  const Misfire misfire{due.misfire == "send_late" ? MisfirePolicy::send_late : MisfirePolicy::skip,
                        std::chrono::seconds(due.late_within_seconds)};

  int sent = 0;
  std::vector<long long> missed;
  for (const auto& decision : decide(occurrences, now, misfire)) {
    const long long occurrence = epoch(decision.occurrence);
    if (!decision.send) {
      missed.push_back(occurrence);
      continue;
    }
    switch (store::claim_occurrence(db_, due.id, occurrence)) {
      case store::Claim::done:
        continue;
      case store::Claim::in_progress:
        // Another daemon is sending it: leave next_at, so it is looked at again if that
        // daemon dies.
        store::record_missed(db_, due.id, missed, epoch(now));
        return sent;
      case store::Claim::taken:
        break;
    }
    const long long late = epoch(now) - occurrence;
    const std::string key = "schedule:" + due.id + ":" + std::to_string(occurrence);
    auto result = intake_.accept(due.alert_body, due.owner, key, /*notice=*/true);
    if (auto* accepted = std::get_if<intake::Accepted>(&result)) {
      store::finish_occurrence(db_, due.id, occurrence, "sent", accepted->alert.id, "", late);
      spdlog::info("event=schedule.fired schedule_id={} occurrence={} alert_id={} late_s={}",
                   due.id, occurrence, accepted->alert.id, late);
      ++sent;
    } else {
      const auto why = problem_summary(std::get<http::Problem>(result));
      store::finish_occurrence(db_, due.id, occurrence, "refused", std::nullopt, why, late);
      spdlog::error("event=schedule.refused schedule_id={} occurrence={} reason=\"{}\"", due.id,
                    occurrence, why);
    }
  }
  store::record_missed(db_, due.id, missed, epoch(now));
  if (!missed.empty()) {
    spdlog::warn("event=schedule.missed schedule_id={} occurrences={} policy={}", due.id,
                 missed.size(), due.misfire);
  }
  const auto next = recurrence.next_after(now);
  store::advance_schedule(db_, due.id, due.next_at,
                          next ? std::optional<long long>(epoch(*next)) : std::nullopt);
  return sent;
}

}  // namespace araldo::schedule
