#include "daemon/text/csv_writer.hpp"

#include <csv.h>

namespace araldo::text {

void append_csv_record(std::string& out, const std::vector<std::string_view>& fields,
                       CsvCells cells) {
  std::string guarded;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    std::string_view f = fields[i];
    if (cells == CsvCells::spreadsheet_safe && !f.empty() &&
        std::string_view("=+-@\t\r").find(f.front()) != std::string_view::npos) {
      guarded.assign("'").append(f);
      f = guarded;
    }
    // At worst every character is a quote, doubled, plus the two around the field.
    const std::size_t room = 2 * f.size() + 2;
    const std::size_t start = out.size();
    out.resize(start + room);
    const std::size_t written = csv_write(out.data() + start, room, f.data(), f.size());
    out.resize(start + written);
  }
  out += "\r\n";
}

}  // namespace araldo::text
