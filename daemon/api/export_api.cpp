#include "daemon/api/export_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <memory>

#include "daemon/api/listing_api.hpp"
#include "daemon/store/audit_event_stream.hpp"
#include "daemon/text/csv_writer.hpp"

namespace araldo::api {
namespace {

constexpr int kBatch = 1000;

enum class Format { csv, jsonl };

// format= wins; else the Accept header; else JSON Lines.
std::optional<Format> choose_format(const std::optional<std::string>& param,
                                    const std::optional<std::string_view>& accept) {
  if (param) {
    if (*param == "csv") return Format::csv;
    if (*param == "jsonl") return Format::jsonl;
    return std::nullopt;
  }
  if (!accept) return Format::jsonl;
  const std::string a(*accept);
  if (a.find("text/csv") != std::string::npos) return Format::csv;
  if (a.find("jsonl") != std::string::npos || a.find("ndjson") != std::string::npos ||
      a.find("*/*") != std::string::npos || a.find("application/*") != std::string::npos) {
    return Format::jsonl;
  }
  return std::nullopt;
}

std::string optional_text(const std::optional<std::string>& v) {
  return v ? *v : "";
}

void append_csv(std::string& out, const store::AuditRow& e) {
  const auto seq = e.seq ? std::to_string(*e.seq) : std::string();
  const auto id = std::to_string(e.id);
  const auto delivery = e.delivery_id ? std::to_string(*e.delivery_id) : std::string();
  const auto alert = optional_text(e.alert_id);
  text::append_csv_record(out, {id, seq, e.at, e.actor, e.kind, alert, delivery, e.detail});
}

void append_jsonl(std::string& out, const store::AuditRow& e) {
  boost::json::object o{{"id", e.id},
                        {"at", e.at},
                        {"actor", e.actor},
                        {"kind", e.kind},
                        {"detail", boost::json::parse(e.detail)}};
  o["seq"] = e.seq ? boost::json::value(*e.seq) : nullptr;
  o["alert_id"] = e.alert_id ? boost::json::value(*e.alert_id) : nullptr;
  o["delivery_id"] = e.delivery_id ? boost::json::value(*e.delivery_id) : nullptr;
  out += boost::json::serialize(o);
  out += '\n';
}

}  // namespace

http::Response ExportApi::audit(const Call& call) const {
  std::vector<http::FieldError> errors;
  auto allowed = kAuditFilterParams;
  allowed.insert("format");
  QueryParams q(call.request, allowed, {}, errors);
  const auto filter = audit_filter(q);
  const auto param = q.one("format");
  const auto format = choose_format(param, call.request.headers.find("Accept"));
  if (param && !format) errors.push_back(http::in_parameter("format", "csv or jsonl"));
  if (!errors.empty()) {
    return http::bad_request("invalid-query", "the query has bad parameters", std::move(errors))
        .to_response();
  }
  if (!format) {
    return http::Problem{406,
                         "not-acceptable",
                         "No such export format",
                         "the export is text/csv or application/jsonl; ask with Accept or "
                         "format=csv|jsonl",
                         {http::in_header("Accept", "text/csv or application/jsonl")}}
        .to_response();
  }

  // Opened here, so a database that cannot be reached is a 503 before any byte is sent.
  auto events = std::make_shared<store::AuditEventStream>(dsn_, filter);
  http::Response r;
  r.status = 200;
  const bool csv = *format == Format::csv;
  r.headers.set("Content-Type", csv ? "text/csv; charset=utf-8" : "application/jsonl");
  r.headers.set("Content-Disposition", std::string("attachment; filename=\"araldo-audit.") +
                                           (csv ? "csv" : "jsonl") + "\"");
  auto header_sent = std::make_shared<bool>(!csv);
  auto count = std::make_shared<long long>(0);
  const std::string actor = call.caller.name;
  r.stream = [events, csv, header_sent, count, actor]() -> std::optional<std::string> {
    std::string out;
    if (!*header_sent) {
      text::append_csv_record(
          out, {"id", "seq", "at", "actor", "kind", "alert_id", "delivery_id", "detail"});
      *header_sent = true;
    }
    const auto rows = events->next(kBatch);
    if (rows.empty()) {
      if (!out.empty()) return out;  // the CSV header of an empty export
      spdlog::info("event=audit.exported actor={} events={} format={}", actor, *count,
                   csv ? "csv" : "jsonl");
      return std::nullopt;
    }
    for (const auto& e : rows) csv ? append_csv(out, e) : append_jsonl(out, e);
    *count += static_cast<long long>(rows.size());
    return out;
  };
  return r;
}

}  // namespace araldo::api
