#include "daemon/store/alert_store.hpp"

#include <boost/json.hpp>

#include "daemon/audit/audit_event.hpp"
#include "daemon/model/alert_json.hpp"

namespace araldo::store {
namespace {

std::optional<std::string> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

}  // namespace

AcceptedAlert insert_alert(pqxx::connection& conn, const model::Alert& alert,
                           const std::vector<NewDelivery>& deliveries, const std::string& actor) {
  const auto document = model::alert_to_json(alert);
  boost::json::array categories;
  for (const auto& c : alert.categories) categories.emplace_back(c);
  boost::json::array rows;
  for (const auto& d : deliveries) {
    rows.push_back({{"channel", d.channel},
                    {"channel_type", d.channel_type},
                    {"target", d.target},
                    {"rendered_text", d.rendered_text}});
  }

  pqxx::work tx(conn);
  const auto row = tx.exec_params1(
      "INSERT INTO alerts (submitted_by, headline, description, instruction, event, categories,"
      " severity, urgency, certainty, area, language, sender, expires_at, web, document)"
      " VALUES ($1, $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)),"
      " $7, $8, $9, $10, $11, $12, $13::timestamptz, $14, $15::jsonb)"
      " RETURNING id::text, to_json(accepted_at)#>>'{}'",
      actor, alert.headline, alert.description, alert.instruction, alert.event,
      boost::json::serialize(categories), alert.severity, alert.urgency, alert.certainty,
      alert.area, alert.language, alert.sender, alert.expires, alert.web,
      boost::json::serialize(document));
  AcceptedAlert accepted{row[0].as<std::string>(), row[1].as<std::string>()};

  // Set-based: one statement whatever the number of targets.
  tx.exec_params0(
      "INSERT INTO deliveries (alert_id, channel, channel_type, target, priority, rendered_text)"
      " SELECT $1::uuid, d.channel, d.channel_type, d.target, $2, d.rendered_text"
      " FROM jsonb_to_recordset($3::jsonb)"
      "  AS d(channel text, channel_type text, target text, rendered_text text)",
      accepted.id, model::priority(alert), boost::json::serialize(rows));

  boost::json::object detail;
  detail["deliveries"] = deliveries.size();
  detail["document"] = document;
  audit::append(tx, {actor, "alert.accepted", accepted.id, std::nullopt, std::move(detail)});
  tx.exec0(std::string("NOTIFY ") + deliveries_notify_channel);
  tx.commit();
  return accepted;
}

std::optional<AlertStatus> find_alert(pqxx::connection& conn, const std::string& id) {
  pqxx::read_transaction tx(conn);
  const auto alert = tx.exec_params(
      "SELECT id::text, to_json(accepted_at)#>>'{}', submitted_by, document::text"
      " FROM alerts WHERE id = $1::uuid",
      id);
  if (alert.empty()) return std::nullopt;
  AlertStatus out;
  out.id = alert[0][0].as<std::string>();
  out.accepted_at = alert[0][1].as<std::string>();
  out.submitted_by = alert[0][2].as<std::string>();
  out.document = boost::json::parse(alert[0][3].as<std::string>());

  const auto rows = tx.exec_params(
      "SELECT id, channel, channel_type, target, state, attempts,"
      " CASE WHEN state IN ('pending','retrying') THEN to_json(next_attempt_at)#>>'{}' END,"
      " platform_id, last_error, to_json(updated_at)#>>'{}', to_json(finished_at)#>>'{}',"
      " rendered_text"
      " FROM deliveries WHERE alert_id = $1::uuid ORDER BY id",
      id);
  for (const auto& r : rows) {
    DeliveryStatus d;
    d.id = r[0].as<long long>();
    d.channel = r[1].as<std::string>();
    d.channel_type = r[2].as<std::string>();
    d.target = r[3].as<std::string>();
    d.state = r[4].as<std::string>();
    d.attempts = r[5].as<int>();
    d.next_attempt_at = opt(r[6]);
    d.platform_id = opt(r[7]);
    d.last_error = opt(r[8]);
    d.updated_at = r[9].as<std::string>();
    d.finished_at = opt(r[10]);
    d.rendered_text = r[11].as<std::string>();
    out.deliveries.push_back(std::move(d));
  }
  return out;
}

}  // namespace araldo::store
