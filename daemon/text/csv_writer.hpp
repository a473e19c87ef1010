#pragma once
// RFC 4180 CSV out, through libcsv: every field quoted (quotes inside doubled), records
// ended by CRLF. Line breaks and commas inside a field stay inside it.
#include <string>
#include <string_view>
#include <vector>

namespace araldo::text {

void append_csv_record(std::string& out, const std::vector<std::string_view>& fields);

}  // namespace araldo::text
