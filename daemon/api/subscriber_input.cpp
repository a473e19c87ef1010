#include "daemon/api/subscriber_input.hpp"

#include <boost/json.hpp>
#include <map>
#include <regex>
#include <set>

#include "daemon/model/alert.hpp"

namespace araldo::api {
namespace {

using http::FieldError;

// Field problems of one subscriber, each as (field, detail).
std::vector<std::pair<std::string, std::string>> check(store::Subscriber& s) {
  static const std::regex language_shape("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");
  // A consent time needs its zone: "when" must mean the same thing to an auditor.
  static const std::regex time_shape(
      R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}))");
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
  if (!std::regex_match(s.consent_at, time_shape)) {
    problems.emplace_back("consent_at", "'" + s.consent_at +
                                            "' is not a time with its zone, such as "
                                            "2026-03-14T06:30:00+01:00");
  }
  return problems;
}

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> fields;
  std::string field;
  for (char c : line) {
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  for (auto& f : fields) {
    const auto first = f.find_first_not_of(" \t");
    f = first == std::string::npos ? "" : f.substr(first, f.find_last_not_of(" \t") - first + 1);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
  }
  return fields;
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
    if (!fields.contains(std::string(kv.key()))) {
      errors.push_back({"/" + std::string(kv.key()), "unknown field"});
    }
  }
  if (!errors.empty()) return errors;
  for (auto& [field, detail] : check(s)) errors.push_back({"/" + field, detail});
  if (!errors.empty()) return errors;
  return std::vector<store::Subscriber>{s};
}

SubscribersOrErrors subscribers_from_csv(std::string_view csv, std::size_t max_rows) {
  std::vector<FieldError> errors;
  std::vector<store::Subscriber> out;
  std::map<std::string, int> columns;
  std::map<std::string, std::size_t> seen;  // address -> line
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < csv.size() && errors.size() < 50) {
    auto end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    auto line = csv.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string at = "/line/" + std::to_string(line_no);
    if (line_no == 1) {
      const auto header = split_csv_line(line);
      for (std::size_t i = 0; i < header.size(); ++i) columns[header[i]] = static_cast<int>(i);
      for (const char* needed : {"address", "language", "consent_at"}) {
        if (!columns.contains(needed)) {
          errors.push_back({at, std::string("the header must name the column '") + needed +
                                    "' (address,language,consent_at)"});
        }
      }
      if (!errors.empty()) return errors;
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (line.find('"') != std::string_view::npos && (line.find("\"\"") != std::string_view::npos)) {
      errors.push_back({at, "quotes inside a field are not supported"});
      continue;
    }
    const auto fields = split_csv_line(line);
    if (fields.size() != columns.size()) {
      errors.push_back({at, "has " + std::to_string(fields.size()) + " fields; the header has " +
                                std::to_string(columns.size())});
      continue;
    }
    store::Subscriber s{fields[columns["address"]], fields[columns["language"]],
                        fields[columns["consent_at"]]};
    auto problems = check(s);
    for (auto& [field, detail] : problems) errors.push_back({at, field + ": " + detail});
    if (!problems.empty()) continue;
    if (auto [it, fresh] = seen.emplace(s.address, line_no); !fresh) {
      errors.push_back(
          {at, "address " + s.address + " is already on line " + std::to_string(it->second)});
      continue;
    }
    out.push_back(std::move(s));
    if (out.size() > max_rows) {
      return std::vector<FieldError>{
          {at, "more than " + std::to_string(max_rows) + " subscribers in one import"}};
    }
  }
  if (line_no == 0) errors.push_back({"/line/1", "the CSV is empty: it needs a header line"});
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace araldo::api
