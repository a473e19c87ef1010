#include "daemon/text/csv_reader.hpp"

#include <csv.h>

#include <algorithm>

namespace araldo::text {
namespace {

struct Collector {
  const std::function<void(CsvRecord&&)>& each;
  std::vector<std::string> fields;
  std::size_t line = 1;          // the physical line being read
  std::size_t record_line = 1;   // where the current record started
  std::size_t inner_breaks = 0;  // line breaks inside the current record's quoted fields
};

void on_field(void* data, std::size_t size, void* user) {
  auto& c = *static_cast<Collector*>(user);
  const auto* p = static_cast<const char*>(data);
  c.fields.emplace_back(p ? std::string(p, size) : std::string());
  c.inner_breaks += static_cast<std::size_t>(std::count(p, p + (p ? size : 0), '\n'));
}

// Called at every unquoted CR and LF (CSV_REPALL_NL), so lines can be counted; a record
// with no fields is a blank line, or the LF of a CRLF.
void on_record_end(int terminator, void* user) {
  auto& c = *static_cast<Collector*>(user);
  if (!c.fields.empty()) c.each({c.record_line, std::move(c.fields)});
  c.fields.clear();
  c.line += c.inner_breaks + (terminator == '\n' ? 1 : 0);
  c.inner_breaks = 0;
  c.record_line = c.line;
}

}  // namespace

std::variant<std::vector<CsvRecord>, CsvError> read_csv(std::string_view text) {
  std::vector<CsvRecord> records;
  if (auto error = read_csv(text, [&](CsvRecord&& r) { records.push_back(std::move(r)); })) {
    return *error;
  }
  return records;
}

std::optional<CsvError> read_csv(std::string_view text,
                                 const std::function<void(CsvRecord&&)>& each) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
    return CsvError{0, "out of memory"};
  }
  Collector c{each, {}};
  const auto used = csv_parse(&parser, text.data(), text.size(), on_field, on_record_end, &c);
  const bool parsed =
      used == text.size() && csv_fini(&parser, on_field, on_record_end, &c) == CSV_SUCCESS;
  const int error = csv_error(&parser);
  csv_free(&parser);
  if (!parsed) {
    const std::string why = error == CSV_EPARSE
                                ? "malformed CSV: a quote must open a field, close it before the "
                                  "next comma or line end, and be doubled inside it (\"\")"
                                : csv_strerror(error);
    return CsvError{c.record_line, why};
  }
  return std::nullopt;
}

}  // namespace araldo::text
