#include "daemon/schedule/schedule_spec.hpp"

#include <set>

#include "daemon/schedule/cron_expression.hpp"

namespace araldo::schedule {
namespace {

using http::FieldError;

// A cron schedule has no start of its own: its fields say everything. Any date before
// every schedule will do; the iterator jumps to the present.
constexpr const char* kCronStart = "2000-01-01T00:00:00";

void refuse_unknown(const boost::json::object& o, const std::string& at,
                    const std::set<std::string>& known, std::vector<FieldError>& errors) {
  for (const auto& [k, v] : o) {
    if (!known.count(std::string(k))) {
      std::string names;
      for (const auto& n : known) names += (names.empty() ? "" : ", ") + n;
      errors.push_back({at + "/" + std::string(k), "unknown field (known: " + names + ")"});
    }
  }
}

const boost::json::string* text_field(const boost::json::object& o, const char* key,
                                      const std::string& at, std::vector<FieldError>& errors,
                                      bool required = true) {
  const auto* v = o.if_contains(key);
  if (!v) {
    if (required) errors.push_back({at + "/" + key, "required"});
    return nullptr;
  }
  if (!v->is_string()) {
    errors.push_back({at + "/" + key, "must be a string"});
    return nullptr;
  }
  return &v->get_string();
}

std::variant<Recurrence, FieldError> parse_recurrence(const boost::json::object& r,
                                                      const std::string& at) {
  std::vector<FieldError> errors;
  const bool cron = r.contains("cron");
  if (cron == r.contains("rrule")) {
    return FieldError{at, "give either rrule (RFC 5545) or cron (5 fields), not " +
                              std::string(cron ? "both" : "neither")};
  }
  refuse_unknown(r, at,
                 cron ? std::set<std::string>{"cron", "time_zone"}
                      : std::set<std::string>{"rrule", "start", "time_zone"},
                 errors);
  const auto* zone = text_field(r, "time_zone", at, errors);
  const auto* rule = text_field(r, cron ? "cron" : "rrule", at, errors);
  const auto* start = cron ? nullptr : text_field(r, "start", at, errors);
  if (!errors.empty()) return errors.front();
  std::string rrule(*rule);
  if (cron) {
    auto translated = cron_to_rrule(rrule);
    if (auto* refusal = std::get_if<CronRefusal>(&translated)) {
      return FieldError{at + "/cron", refusal->message};
    }
    rrule = std::get<std::string>(translated);
  }
  auto parsed =
      Recurrence::parse(rrule, cron ? kCronStart : std::string(*start), std::string(*zone));
  if (auto* e = std::get_if<RecurrenceError>(&parsed)) {
    return FieldError{at + "/" + (cron && e->field == "rrule" ? "cron" : e->field), e->message};
  }
  return std::get<Recurrence>(parsed);
}

}  // namespace

std::optional<Recurrence> recurrence_from_json(const boost::json::object& doc) {
  auto parsed = parse_recurrence(doc, "");
  if (auto* r = std::get_if<Recurrence>(&parsed)) return *r;
  return std::nullopt;
}

std::variant<ScheduleSpec, std::vector<FieldError>> schedule_from_json(
    const boost::json::value& doc, Instant now) {
  std::vector<FieldError> errors;
  if (!doc.is_object()) return std::vector<FieldError>{{"", "a schedule is a JSON object"}};
  const auto& o = doc.get_object();
  refuse_unknown(o, "", {"name", "alert", "recurrence", "misfire", "enabled"}, errors);
  ScheduleSpec spec;

  if (const auto* name = text_field(o, "name", "", errors)) {
    if (name->empty() || name->size() > 200) {
      errors.push_back({"/name", "1-200 characters"});
    } else {
      spec.name = std::string(*name);
    }
  }

  if (const auto* alert = o.if_contains("alert"); !alert) {
    errors.push_back({"/alert", "required: the alert sent at each occurrence"});
  } else if (!alert->is_object()) {
    errors.push_back({"/alert", "must be an object, as the body of POST /v1/alerts"});
  } else {
    spec.alert = alert->get_object();
    if (spec.alert.contains("send_at")) {
      errors.push_back({"/alert/send_at", "a schedule sends at each occurrence: leave it out"});
    }
    if (spec.alert.contains("expires")) {
      errors.push_back({"/alert/expires",
                        "a fixed expiry goes stale after the first occurrence: use "
                        "expires_after (a duration such as PT2H, counted from each sending)"});
    }
  }

  if (const auto* r = o.if_contains("recurrence"); !r) {
    errors.push_back({"/recurrence", "required"});
  } else if (!r->is_object()) {
    errors.push_back({"/recurrence", "must be an object with rrule or cron, and time_zone"});
  } else {
    spec.recurrence_doc = r->get_object();
    auto parsed = parse_recurrence(spec.recurrence_doc, "/recurrence");
    if (auto* e = std::get_if<FieldError>(&parsed)) {
      errors.push_back(*e);
    } else {
      spec.recurrence = std::get<Recurrence>(parsed);
      if (auto first = spec.recurrence->next_after(now)) {
        spec.first = *first;
      } else {
        errors.push_back({"/recurrence",
                          "has no occurrence after now (COUNT or UNTIL spent, or "
                          "a date that never comes)"});
      }
    }
  }

  if (const auto* m = o.if_contains("misfire")) {
    if (!m->is_object()) {
      errors.push_back({"/misfire",
                        "must be an object: {\"policy\": \"skip\"} or "
                        "{\"policy\": \"send_late\", \"within_seconds\": N}"});
    } else {
      const auto& mo = m->get_object();
      refuse_unknown(mo, "/misfire", {"policy", "within_seconds"}, errors);
      const auto* policy = text_field(mo, "policy", "/misfire", errors);
      const auto* within = mo.if_contains("within_seconds");
      if (policy && *policy == "skip") {
        spec.misfire.policy = MisfirePolicy::skip;
        if (within) {
          errors.push_back({"/misfire/within_seconds", "only with policy send_late"});
        }
      } else if (policy && *policy == "send_late") {
        spec.misfire.policy = MisfirePolicy::send_late;
        if (!within) {
          errors.push_back({"/misfire/within_seconds",
                            "required with send_late: how late "
                            "a sending is still useful"});
        } else if (!within->is_int64() || within->get_int64() < kOnTime.count() ||
                   within->get_int64() > kMaxLateWithin.count()) {
          errors.push_back({"/misfire/within_seconds",
                            "an integer from " + std::to_string(kOnTime.count()) + " to " +
                                std::to_string(kMaxLateWithin.count()) + " (24 hours)"});
        } else {
          spec.misfire.within = std::chrono::seconds(within->get_int64());
        }
      } else if (policy) {
        errors.push_back({"/misfire/policy", "one of skip, send_late"});
      }
    }
  }

  if (const auto* e = o.if_contains("enabled")) {
    if (!e->is_bool()) {
      errors.push_back({"/enabled", "must be true or false"});
    } else {
      spec.enabled = e->get_bool();
    }
  }
  if (!errors.empty()) return errors;
  return spec;
}

}  // namespace araldo::schedule
