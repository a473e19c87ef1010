#include "daemon/api/subscriber_input.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include "daemon/model/alert.hpp"
#include "daemon/text/csv_reader.hpp"

namespace araldo::api {
namespace {

using http::FieldError;

// A consent time needs its zone ("when" must mean the same thing to an auditor) and must
// be a real time: checked here, so PostgreSQL never refuses one the API let by.
bool valid_consent_time(const std::string& text) {
  static const std::regex shape(
      R"((\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,6})?)?(Z|[+-](\d{2}):?(\d{2})))");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) return false;
  auto num = [&](int i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  const std::chrono::year_month_day date{std::chrono::year{num(1)},
                                         std::chrono::month{static_cast<unsigned>(num(2))},
                                         std::chrono::day{static_cast<unsigned>(num(3))}};
  // PostgreSQL has no year 0 (1 BC); nor has a consent given by a person alive.
  return num(1) >= 1 && date.ok() && num(4) <= 23 && num(5) <= 59 && num(7) <= 59 &&
         num(10) <= 14 && num(11) <= 59;
}

// Field problems of one subscriber, each as (field, detail).
std::vector<std::pair<std::string, std::string>> check(store::Subscriber& s) {
  static const std::regex language_shape("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");
  std::vector<std::pair<std::string, std::string>> problems;
  if (auto phone = normalize_phone(s.address)) {
    s.address = *phone;
  } else {
    problems.emplace_back("address", "'" + s.address +
                                         "' is not an international number (E.164: country code "
                                         "and number, 7-15 digits, e.g. +393331234567)");
  }
  if (!std::regex_match(s.language, language_shape)) {
    problems.emplace_back("language", "'" + s.language + "' is not a language tag such as \"it\"");
  } else {
    s.language = model::primary_language(s.language);
  }
  if (!valid_consent_time(s.consent_at)) {
    problems.emplace_back("consent_at", "'" + s.consent_at +
                                            "' is not a time with its zone, such as "
                                            "2026-03-14T06:30:00+01:00");
  }
  return problems;
}

bool valid_zone_name(std::string_view name) {
  static const std::regex shape("[a-z0-9][a-z0-9_-]{0,62}");
  return std::regex_match(name.begin(), name.end(), shape);
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view input) {
  std::string digits;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && digits.empty() && i == input.find_first_not_of(' ')) {
      continue;
    } else if (c != ' ') {
      return std::nullopt;
    }
  }
  static const std::regex e164("[1-9][0-9]{6,14}");
  if (!std::regex_match(digits, e164)) return std::nullopt;
  return digits;
}

SubscribersOrErrors subscriber_from_json(const boost::json::value& doc) {
  std::vector<FieldError> errors;
  if (!doc.is_object()) return std::vector<FieldError>{{"", "the body must be a JSON object"}};
  const auto& o = doc.as_object();
  store::Subscriber s;
  const std::map<std::string, std::string*> fields{
      {"address", &s.address}, {"language", &s.language}, {"consent_at", &s.consent_at}};
  if (const auto* z = o.if_contains("zones")) {
    s.zones.emplace();
    if (!z->is_array()) {
      errors.push_back({"/zones", "must be an array of zone names ([] for the whole territory)"});
    } else {
      for (std::size_t i = 0; i < z->as_array().size(); ++i) {
        const auto& name = z->as_array()[i];
        if (!name.is_string() || !valid_zone_name(name.as_string())) {
          errors.push_back({"/zones/" + std::to_string(i), "is not a zone name (a-z 0-9 _ -)"});
        } else {
          s.zones->emplace_back(name.as_string());
        }
      }
    }
  }
  for (const auto& [key, target] : fields) {
    const auto* v = o.if_contains(key);
    if (!v) {
      errors.push_back({"/" + key, "is required"});
    } else if (!v->is_string()) {
      errors.push_back({"/" + key, "must be a string"});
    } else {
      *target = std::string(v->as_string());
    }
  }
  for (const auto& kv : o) {
    if (!fields.contains(std::string(kv.key())) && kv.key() != "zones") {
      errors.push_back({"/" + std::string(kv.key()), "unknown field"});
    }
  }
  if (!errors.empty()) return errors;
  for (auto& [field, detail] : check(s)) errors.push_back({"/" + field, detail});
  if (!errors.empty()) return errors;
  return std::vector<store::Subscriber>{s};
}

SubscribersOrErrors subscribers_from_csv(std::string_view csv, std::size_t max_rows) {
  // Each record becomes a subscriber as it is read: a 250,000-row import is held once, not
  // also as records.
  std::vector<FieldError> errors;
  std::optional<text::CsvRecord> header;
  std::map<std::string, std::size_t> columns;
  std::vector<store::Subscriber> out;
  // Sized once: growing by doubling would hold the old and the new array together.
  const auto lines = static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n'));
  out.reserve(std::min(lines + 1, max_rows + 1));
  // Address (digits, at most 15 after check()) -> line.
  std::unordered_map<std::uint64_t, std::size_t> seen;
  seen.reserve(out.capacity());
  bool too_many = false;
  const auto read = [&](text::CsvRecord&& record) {
    if (!header) {
      header = std::move(record);
      for (std::size_t i = 0; i < header->fields.size(); ++i) columns[header->fields[i]] = i;
      for (const char* needed : {"address", "language", "consent_at"}) {
        if (!columns.contains(needed)) {
          errors.push_back({"/line/" + std::to_string(header->line),
                            std::string("the header must name the column '") + needed +
                                "' (address,language,consent_at)"});
        }
      }
      too_many = !errors.empty();  // nothing more to read
      return;
    }
    if (too_many || errors.size() >= 50) return;
    const std::string at = "/line/" + std::to_string(record.line);
    if (record.fields.size() != header->fields.size()) {
      errors.push_back({at, "has " + std::to_string(record.fields.size()) +
                                " fields; the header has " +
                                std::to_string(header->fields.size())});
      return;
    }
    store::Subscriber s{std::move(record.fields[columns["address"]]),
                        std::move(record.fields[columns["language"]]),
                        std::move(record.fields[columns["consent_at"]]), record.line};
    auto problems = check(s);
    if (const auto z = columns.find("zones"); z != columns.end()) {
      // Zone names apart by spaces or semicolons; an empty cell: the whole territory.
      s.zones.emplace();
      const auto& cell = record.fields[z->second];
      for (std::size_t i = 0; i < cell.size();) {
        const auto start = cell.find_first_not_of(" ;", i);
        if (start == std::string::npos) break;
        auto end = cell.find_first_of(" ;", start);
        if (end == std::string::npos) end = cell.size();
        const auto name = cell.substr(start, end - start);
        if (!valid_zone_name(name)) {
          problems.emplace_back("zones", "'" + name + "' is not a zone name (a-z 0-9 _ -)");
        } else {
          s.zones->push_back(name);
        }
        i = end;
      }
    }
    for (auto& [field, detail] : problems) errors.push_back({at, field + ": " + detail});
    if (!problems.empty()) return;
    if (auto [it, fresh] = seen.emplace(std::stoull(s.address), record.line); !fresh) {
      errors.push_back(
          {at, "address " + s.address + " is already on line " + std::to_string(it->second)});
      return;
    }
    out.push_back(std::move(s));
    if (out.size() > max_rows) {
      errors = {{at, "more than " + std::to_string(max_rows) + " subscribers in one import"}};
      too_many = true;
    }
  };
  if (auto e = text::read_csv(csv, read)) {
    return std::vector<FieldError>{{"/line/" + std::to_string(e->line), e->detail}};
  }
  if (!header) {
    return std::vector<FieldError>{{"/line/1", "the CSV is empty: it needs a header line"}};
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace araldo::api
