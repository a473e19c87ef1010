#pragma once
// RFC 4180 CSV through libcsv: quoted fields (with commas, doubled quotes and line breaks
// inside), LF or CRLF line ends, a UTF-8 byte order mark (what spreadsheet programs write)
// skipped. Each record keeps the line it starts on, for errors an operator can find.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace araldo::text {

struct CsvRecord {
  std::size_t line = 0;  // 1-based, where the record starts
  std::vector<std::string> fields;
};

struct CsvError {
  std::size_t line = 0;
  std::string detail;
};

// Blank lines are skipped.
std::variant<std::vector<CsvRecord>, CsvError> read_csv(std::string_view text);

// The same, each record handed to `each` as it is read, so a large file is never held
// twice (as text and as records). Records before a malformed one have been handed over.
std::optional<CsvError> read_csv(std::string_view text,
                                 const std::function<void(CsvRecord&&)>& each);

}  // namespace araldo::text
