#include "daemon/store/schedule_store.hpp"

#include <boost/json.hpp>

#include "daemon/model/cap_datetime.hpp"
#include "daemon/store/audit_writer.hpp"
#include "daemon/store/pq.hpp"

namespace araldo::store {
namespace {

const char* kScheduleColumns =
    "s.id::text, s.name, s.owner, s.alert::text, s.recurrence::text, s.rrule, s.dtstart,"
    " s.time_zone, s.misfire, extract(epoch FROM s.late_within)::bigint, s.enabled,"
    " extract(epoch FROM s.next_at)::bigint, to_json(s.created_at)#>>'{}',"
    " to_json(s.updated_at)#>>'{}', s.disabled_reason";

ScheduleRow schedule_row(const pqxx::row& r) {
  ScheduleRow s;
  s.id = r[0].as<std::string>();
  s.name = r[1].as<std::string>();
  s.owner = r[2].as<std::string>();
  s.alert = boost::json::parse(r[3].as<std::string>()).as_object();
  s.recurrence = boost::json::parse(r[4].as<std::string>()).as_object();
  s.rrule = r[5].as<std::string>();
  s.dtstart = r[6].as<std::string>();
  s.time_zone = r[7].as<std::string>();
  s.misfire = r[8].as<std::string>();
  s.late_within_seconds = r[9].as<long long>();
  s.enabled = r[10].as<bool>();
  if (!r[11].is_null()) s.next_at = r[11].as<long long>();
  s.created_at = r[12].as<std::string>();
  s.updated_at = r[13].as<std::string>();
  s.disabled_reason = text_or_null(r[14]);
  return s;
}

}  // namespace

std::string create_schedule(Database& db, const NewSchedule& s, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    pqxx::result inserted;
    try {
      inserted = tx.exec_params(
          "INSERT INTO schedules (id, name, owner, alert, recurrence, rrule, dtstart,"
          " time_zone, misfire, late_within, enabled, next_at)"
          " VALUES (gen_random_uuid(), $1, $2, $3::jsonb, $4::jsonb, $5, $6, $7, $8,"
          " make_interval(secs => $9), $10, to_timestamp($11)) RETURNING id::text",
          s.name, s.owner, boost::json::serialize(s.alert), boost::json::serialize(s.recurrence),
          s.rrule, s.dtstart, s.time_zone, s.misfire, s.late_within_seconds, s.enabled, s.next_at);
    } catch (const pqxx::unique_violation&) {
      throw ScheduleNameTaken("a live schedule named '" + s.name + "' already exists for " +
                              s.owner);
    }
    const auto id = inserted[0][0].as<std::string>();
    append_audit_event(tx, {actor,
                            "schedule.created",
                            std::nullopt,
                            std::nullopt,
                            {{"schedule_id", id},
                             {"name", s.name},
                             {"recurrence", s.recurrence},
                             {"misfire", s.misfire},
                             {"enabled", s.enabled},
                             {"alert", s.alert}}});
    tx.commit();
    return id;
  });
}

std::vector<ScheduleRow> list_schedules(Database& db, const std::optional<std::string>& owner) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<ScheduleRow> out;
    for (const auto& r : tx.exec_params(std::string("SELECT ") + kScheduleColumns +
                                            " FROM schedules s WHERE s.deleted_at IS NULL"
                                            "   AND ($1::text IS NULL OR s.owner = $1)"
                                            " ORDER BY s.name, s.created_at",
                                        owner)) {
      out.push_back(schedule_row(r));
    }
    return out;
  });
}

std::optional<ScheduleRow> find_schedule(Database& db, const std::string& id) {
  return db.with_connection([&](pqxx::connection& c) -> std::optional<ScheduleRow> {
    pqxx::read_transaction tx(c);
    const auto rows = tx.exec_params(std::string("SELECT ") + kScheduleColumns +
                                         " FROM schedules s WHERE s.id = $1::uuid"
                                         "   AND s.deleted_at IS NULL",
                                     id);
    if (rows.empty()) return std::nullopt;
    return schedule_row(rows[0]);
  });
}

bool set_schedule_enabled(Database& db, const std::string& id, bool enabled,
                          std::optional<long long> next_at, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto r = tx.exec_params(
        "UPDATE schedules SET enabled = $2, updated_at = now(), disabled_reason = NULL,"
        "   next_at = CASE WHEN $2 THEN to_timestamp($3) ELSE next_at END"
        " WHERE id = $1::uuid AND deleted_at IS NULL RETURNING 1",
        id, enabled, next_at);
    if (r.empty()) return false;
    append_audit_event(tx, {actor,
                            enabled ? "schedule.enabled" : "schedule.disabled",
                            std::nullopt,
                            std::nullopt,
                            {{"schedule_id", id}}});
    tx.commit();
    return true;
  });
}

bool delete_schedule(Database& db, const std::string& id, const std::string& actor) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto r = tx.exec_params(
        "UPDATE schedules SET deleted_at = now(), enabled = false, updated_at = now()"
        " WHERE id = $1::uuid AND deleted_at IS NULL RETURNING 1",
        id);
    if (r.empty()) return false;
    append_audit_event(
        tx, {actor, "schedule.deleted", std::nullopt, std::nullopt, {{"schedule_id", id}}});
    tx.commit();
    return true;
  });
}

std::vector<OccurrenceRow> recent_occurrences(Database& db, const std::string& schedule_id,
                                              int limit) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<OccurrenceRow> out;
    for (const auto& r : tx.exec_params("SELECT to_json(occurrence)#>>'{}', state, alert_id::text,"
                                        "       to_json(finished_at)#>>'{}', detail"
                                        " FROM schedule_occurrences WHERE schedule_id = $1::uuid"
                                        " ORDER BY occurrence DESC LIMIT $2",
                                        schedule_id, limit)) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), text_or_null(r[2]),
                     text_or_null(r[3]), text_or_null(r[4])});
    }
    return out;
  });
}

std::vector<DueSchedule> due_schedules(Database& db, long long now, int limit) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<DueSchedule> out;
    for (const auto& r : tx.exec_params(
             "SELECT id::text, owner, alert::text, rrule, dtstart, time_zone, misfire,"
             "       extract(epoch FROM late_within)::bigint, extract(epoch FROM next_at)::bigint"
             " FROM schedules s WHERE enabled AND deleted_at IS NULL"
             "   AND next_at <= to_timestamp($1)"
             // A key revoked since the last sweep sends nothing more, not even once.
             "   AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.name = s.owner"
             "                   AND (k.revoked_at IS NOT NULL OR k.expires_at <= now()))"
             " ORDER BY next_at LIMIT $2",
             now, limit)) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                     r[6].as<std::string>(), r[7].as<long long>(), r[8].as<long long>()});
    }
    return out;
  });
}

int disable_schedules_of_dead_keys(Database& db) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto disabled = tx.exec(
        "UPDATE schedules s SET enabled = false, updated_at = now(),"
        "   disabled_reason = CASE WHEN k.revoked_at IS NOT NULL"
        "     THEN 'its key ' || s.owner || ' was revoked at ' || (to_json(k.revoked_at)#>>'{}')"
        "     ELSE 'its key ' || s.owner || ' expired at ' || (to_json(k.expires_at)#>>'{}') END"
        " FROM api_keys k"
        " WHERE k.name = s.owner AND s.enabled AND s.deleted_at IS NULL"
        "   AND (k.revoked_at IS NOT NULL OR k.expires_at <= now())"
        " RETURNING s.id::text, s.name, s.owner, s.disabled_reason");
    std::vector<AuditEvent> events;
    for (const auto& r : disabled) {
      events.push_back({system_actor,
                        "schedule.disabled",
                        std::nullopt,
                        std::nullopt,
                        {{"schedule_id", r[0].as<std::string>()},
                         {"name", r[1].as<std::string>()},
                         {"owner", r[2].as<std::string>()},
                         {"reason", r[3].as<std::string>()}}});
    }
    append_audit_events(tx, events);
    tx.commit();
    return static_cast<int>(disabled.size());
  });
}

Claim claim_occurrence(Database& db, const std::string& schedule_id, long long occurrence) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // A claim older than a minute belongs to a daemon that died while sending: take it
    // over (the alert's Idempotency-Key makes a second write return the first).
    const auto taken = tx.exec_params(
        "INSERT INTO schedule_occurrences (schedule_id, occurrence, state)"
        " VALUES ($1::uuid, to_timestamp($2), 'claimed')"
        " ON CONFLICT (schedule_id, occurrence) DO UPDATE SET claimed_at = now()"
        "   WHERE schedule_occurrences.state = 'claimed'"
        "     AND schedule_occurrences.claimed_at < now() - interval '1 minute'"
        " RETURNING 1",
        schedule_id, occurrence);
    if (!taken.empty()) {
      tx.commit();
      return Claim::taken;
    }
    const auto state = tx.exec_params1(
                             "SELECT state FROM schedule_occurrences"
                             " WHERE schedule_id = $1::uuid AND occurrence = to_timestamp($2)",
                             schedule_id, occurrence)[0]
                           .as<std::string>();
    tx.commit();
    return state == "claimed" ? Claim::in_progress : Claim::done;
  });
}

void finish_occurrence(Database& db, const std::string& schedule_id, long long occurrence,
                       const std::string& state, const std::optional<std::string>& alert_id,
                       const std::string& detail, long long late_by_seconds) {
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "UPDATE schedule_occurrences SET state = $3, alert_id = $4::uuid, finished_at = now(),"
        "   detail = nullif($5, '')"
        " WHERE schedule_id = $1::uuid AND occurrence = to_timestamp($2)",
        schedule_id, occurrence, state, alert_id, detail);
    boost::json::object d{{"schedule_id", schedule_id},
                          {"occurrence", model::format_cap_datetime(
                                             model::SysSeconds(std::chrono::seconds(occurrence)))},
                          {"late_by_seconds", late_by_seconds}};
    if (!detail.empty()) d["detail"] = detail;
    append_audit_event(tx, {system_actor, state == "sent" ? "schedule.fired" : "schedule.refused",
                            alert_id, std::nullopt, std::move(d)});
    tx.commit();
  });
}

void record_missed(Database& db, const std::string& schedule_id,
                   const std::vector<long long>& occurrences, long long now) {
  if (occurrences.empty()) return;
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<AuditEvent> events;
    for (long long o : occurrences) {
      const auto r = tx.exec_params(
          "INSERT INTO schedule_occurrences (schedule_id, occurrence, state, finished_at, detail)"
          " VALUES ($1::uuid, to_timestamp($2), 'missed', now(), $3)"
          " ON CONFLICT DO NOTHING RETURNING 1",
          schedule_id, o,
          "handled " + std::to_string(now - o) + " s late: past the misfire policy");
      if (r.empty()) continue;  // another daemon decided it
      events.push_back(
          {system_actor,
           "schedule.missed",
           std::nullopt,
           std::nullopt,
           {{"schedule_id", schedule_id},
            {"occurrence", model::format_cap_datetime(model::SysSeconds(std::chrono::seconds(o)))},
            {"late_by_seconds", now - o}}});
    }
    if (!events.empty()) append_audit_events(tx, events);
    tx.commit();
  });
}

void advance_schedule(Database& db, const std::string& schedule_id, long long from,
                      std::optional<long long> to) {
  db.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "UPDATE schedules SET next_at = to_timestamp($3)"
        " WHERE id = $1::uuid AND next_at = to_timestamp($2)",
        schedule_id, from, to);
    tx.commit();
  });
}

}  // namespace araldo::store
