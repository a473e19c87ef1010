#pragma once
// RFC 4180 CSV out, through libcsv: every field quoted (quotes inside doubled), records
// ended by CRLF. Line breaks and commas inside a field stay inside it.
#include <string>
#include <string_view>
#include <vector>

namespace araldo::text {

// Cells a spreadsheet would run as a formula (leading =, +, -, @, tab or CR: OWASP's "CSV
// injection") get a leading apostrophe, which spreadsheets take as "text" and do not
// show; `raw` keeps every cell exact, for programs.
enum class CsvCells { spreadsheet_safe, raw };

void append_csv_record(std::string& out, const std::vector<std::string_view>& fields,
                       CsvCells cells = CsvCells::spreadsheet_safe);

}  // namespace araldo::text
