#include "daemon/ctl/schedule_commands.hpp"

#include <iomanip>
#include <ostream>

#include "daemon/ctl/alert_input.hpp"
#include "daemon/ctl/answer.hpp"

namespace araldo::ctl {
namespace {

std::string recurrence_text(const boost::json::object& s) {
  const auto& r = s.at("recurrence").as_object();
  std::string out = r.contains("cron") ? "cron " + text_of(r.if_contains("cron"))
                                       : text_of(r.if_contains("rrule"));
  return out + " (" + text_of(r.if_contains("time_zone")) + ")";
}

void print_schedule(Context& c, const boost::json::object& s) {
  c.out << "id:         " << text_of(s.if_contains("id")) << "\n"
        << "name:       " << text_of(s.if_contains("name")) << "\n"
        << "owner:      " << text_of(s.if_contains("owner")) << "\n"
        << "enabled:    " << text_of(s.if_contains("enabled")) << "\n"
        << "recurrence: " << recurrence_text(s) << "\n"
        << "misfire:    " << text_of(s.if_contains("misfire")) << "\n"
        << "next:\n";
  for (const auto& n : s.at("next_occurrences").as_array()) {
    c.out << "  " << text_of(n.as_object().if_contains("local")) << " local  ("
          << text_of(n.as_object().if_contains("at")) << ")\n";
  }
  if (const auto* recent = s.if_contains("recent_occurrences")) {
    c.out << "recent:\n";
    for (const auto& o : recent->as_array()) {
      const auto& j = o.as_object();
      c.out << "  " << text_of(j.if_contains("occurrence")) << "  " << std::left << std::setw(8)
            << text_of(j.if_contains("state")) << " " << text_of(j.if_contains("alert_id"));
      if (const auto* d = j.if_contains("detail")) c.out << "  " << text_of(d);
      c.out << "\n";
    }
  }
}

std::string path_of(const std::string& id) {
  return "/v1/schedules/" + encode_segment(id);
}

}  // namespace

Exit create_schedule(Context& c, const std::string& file) {
  boost::json::object doc;
  try {
    doc = schedule_from_file(file);
  } catch (const AlertInputError& e) {
    c.err << "araldoctl: " << e.what() << "\n";
    return Exit::usage;
  }
  // Schedule names are unique per key: a retried request that was in fact created answers
  // 409 rather than making a second schedule.
  return answer(
      c, c.api.request("POST", "/v1/schedules", boost::json::serialize(doc), "application/json"),
      [&](const boost::json::object& s) { print_schedule(c, s); });
}

Exit list_schedules(Context& c) {
  return answer(c, c.api.request("GET", "/v1/schedules"), [&](const boost::json::object& doc) {
    c.out << std::left << std::setw(38) << "ID" << std::setw(24) << "NAME" << std::setw(9)
          << "ENABLED" << std::setw(22) << "NEXT (UTC)"
          << "RECURRENCE\n";
    for (const auto& item : doc.at("items").as_array()) {
      const auto& s = item.as_object();
      const auto& next = s.at("next_occurrences").as_array();
      c.out << std::left << std::setw(38) << text_of(s.if_contains("id")) << std::setw(24)
            << text_of(s.if_contains("name")) << std::setw(9) << text_of(s.if_contains("enabled"))
            << std::setw(22)
            << (next.empty() ? "-" : text_of(next.front().as_object().if_contains("at")))
            << recurrence_text(s) << "\n";
    }
  });
}

Exit show_schedule(Context& c, const std::string& id) {
  return answer(c, c.api.request("GET", path_of(id)),
                [&](const boost::json::object& s) { print_schedule(c, s); });
}

Exit enable_schedule(Context& c, const std::string& id, bool enabled) {
  const boost::json::object body{{"enabled", enabled}};
  return answer(
      c, c.api.request("PATCH", path_of(id), boost::json::serialize(body), "application/json"),
      [&](const boost::json::object& s) { print_schedule(c, s); });
}

Exit delete_schedule(Context& c, const std::string& id) {
  return answer(c, c.api.request("DELETE", path_of(id)), [](const boost::json::object&) {});
}

}  // namespace araldo::ctl
