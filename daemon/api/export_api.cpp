#include "daemon/api/export_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <variant>

#include "daemon/api/deliveries_api.hpp"
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

void append_csv(std::string& out, const store::AuditRow& e, text::CsvCells cells) {
  const auto seq = e.seq ? std::to_string(*e.seq) : std::string();
  const auto id = std::to_string(e.id);
  const auto delivery = e.delivery_id ? std::to_string(*e.delivery_id) : std::string();
  const auto alert = optional_text(e.alert_id);
  text::append_csv_record(out, {id, seq, e.at, e.actor, e.kind, alert, delivery, e.detail}, cells);
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

// `raw=true`: CSV cells exactly as stored, formulas and all (for programs); by default a
// cell a spreadsheet would run is made text. JSON Lines are always exact.
text::CsvCells read_cells(QueryParams& q, std::vector<http::FieldError>& errors) {
  const auto raw = q.one("raw");
  if (raw && *raw != "true" && *raw != "false") {
    errors.push_back(http::in_parameter("raw", "true or false"));
  }
  return raw == "true" ? text::CsvCells::raw : text::CsvCells::spreadsheet_safe;
}

// Reads `format=` (one of the parameters q was made with) and Accept: the format, or the
// refusal to answer.
std::variant<Format, http::Response> read_format(const Call& call, QueryParams& q,
                                                 std::vector<http::FieldError>& errors) {
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
  return *format;
}

// A streamed export: the CSV header first, then what `fill` appends for each batch until
// it appends nothing (it returns how many records it added).
http::Response streamed(Format format, const std::string& what, const std::string& actor,
                        std::vector<std::string_view> csv_header, text::CsvCells cells,
                        std::function<long long(std::string&, bool csv)> fill) {
  http::Response r;
  r.status = 200;
  const bool csv = format == Format::csv;
  r.headers.set("Content-Type", csv ? "text/csv; charset=utf-8" : "application/jsonl");
  r.headers.set("Content-Disposition",
                "attachment; filename=\"araldo-" + what + "." + (csv ? "csv" : "jsonl") + "\"");
  auto header = std::make_shared<std::vector<std::string_view>>(
      csv ? std::move(csv_header) : std::vector<std::string_view>{});
  auto count = std::make_shared<long long>(0);
  r.stream = [=]() -> std::optional<std::string> {
    std::string out;
    if (!header->empty()) {
      text::append_csv_record(out, *header, cells);
      header->clear();
    }
    const long long added = fill(out, csv);
    *count += added;
    if (added == 0 && out.empty()) {
      spdlog::info("event=export.done what={} actor={} records={} format={}", what, actor, *count,
                   csv ? "csv" : "jsonl");
      return std::nullopt;
    }
    return out;
  };
  return r;
}

void append_csv(std::string& out, const store::DeliveryRow& d, const privacy::ShownTarget& shown,
                text::CsvCells cells) {
  const auto id = std::to_string(d.id), part = std::to_string(d.part),
             parts = std::to_string(d.parts), attempts = std::to_string(d.attempts);
  const auto text = [](const std::optional<std::string>& v) { return v ? *v : std::string(); };
  const auto platform_id = text(d.platform_id), last_error = text(d.last_error),
             first_attempt = text(d.first_attempt_at), finished = text(d.finished_at);
  text::append_csv_record(
      out,
      {id, d.alert_id, d.channel, shown.target, part, parts, model::to_string(d.state), attempts,
       platform_id, last_error, d.created_at, first_attempt, finished, d.updated_at, d.text,
       shown.pseudonym.value_or("")},
      cells);
}

}  // namespace

http::Response ExportApi::audit(const Call& call) const {
  std::vector<http::FieldError> errors;
  auto allowed = kAuditFilterParams;
  allowed.insert({"format", "raw"});
  QueryParams q(call.request, allowed, {}, errors);
  const auto filter = audit_filter(q);
  const auto cells = read_cells(q, errors);
  auto format = read_format(call, q, errors);
  if (auto* refusal = std::get_if<http::Response>(&format)) return std::move(*refusal);
  // Opened here, so a database that cannot be reached is a 503 before any byte is sent.
  auto events = std::make_shared<store::AuditEventStream>(dsn_, filter);
  return streamed(std::get<Format>(format), "audit", call.caller.name,
                  {"id", "seq", "at", "actor", "kind", "alert_id", "delivery_id", "detail"}, cells,
                  [events, cells](std::string& out, bool csv) {
                    const auto rows = events->next(kBatch);
                    for (const auto& e : rows) {
                      csv ? append_csv(out, e, cells) : append_jsonl(out, e);
                    }
                    return static_cast<long long>(rows.size());
                  });
}

// Deliveries page by id (ids only grow), each batch a query of its own on a pooled
// connection: no transaction is held open for the length of the download.
http::Response ExportApi::deliveries(const Call& call) const {
  std::vector<http::FieldError> errors;
  auto allowed = kDeliveryFilterParams;
  allowed.insert({"format", "raw"});
  QueryParams q(call.request, allowed, {"state"}, errors);
  const auto filter = delivery_filter(q, errors);
  const auto cells = read_cells(q, errors);
  auto format = read_format(call, q, errors);
  if (auto* refusal = std::get_if<http::Response>(&format)) return std::move(*refusal);
  auto after = std::make_shared<long long>(0);
  auto* db = &db_;
  auto first = std::make_shared<std::vector<store::DeliveryRow>>(
      store::list_deliveries(db_, filter, 0, kBatch));  // a 503 before any byte, too
  return streamed(std::get<Format>(format), "deliveries", call.caller.name,
                  {"id", "alert_id", "channel", "target", "part", "parts", "state", "attempts",
                   "platform_id", "last_error", "created_at", "first_attempt_at", "finished_at",
                   "updated_at", "text", "subscriber"},
                  cells,
                  [db, filter, after, first, cells, caller = call.caller,
                   pseudonyms = &pseudonyms_](std::string& out, bool csv) {
                    auto rows = std::move(*first);
                    first->clear();
                    if (rows.empty() && *after >= 0) {
                      rows = store::list_deliveries(*db, filter, *after, kBatch);
                    }
                    for (const auto& d : rows) {
                      const auto shown = target_for(caller, d, *pseudonyms);
                      if (csv) {
                        append_csv(out, d, shown, cells);
                      } else {
                        out += boost::json::serialize(delivery_json(d, shown));
                        out += '\n';
                      }
                    }
                    // Fewer than a batch: the last page; -1 stops further queries.
                    *after = static_cast<int>(rows.size()) < kBatch ? -1 : rows.back().id;
                    return static_cast<long long>(rows.size());
                  });
}

}  // namespace araldo::api
