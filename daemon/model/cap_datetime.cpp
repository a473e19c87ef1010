#include "daemon/model/cap_datetime.hpp"

#include <fmt/format.h>

#include <regex>

namespace araldo::model {

std::optional<SysSeconds> parse_cap_datetime(std::string_view text) {
  static const std::regex shape(
      R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2}))");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, shape)) return std::nullopt;
  auto num = [&](int i) { return std::stoi(m[i].str()); };
  using namespace std::chrono;
  const year_month_day date{year{num(1)}, month{static_cast<unsigned>(num(2))},
                            day{static_cast<unsigned>(num(3))}};
  if (!date.ok()) return std::nullopt;
  const int hh = num(4), mm = num(5), ss = num(6), oh = num(8), om = num(9);
  if (hh > 23 || mm > 59 || ss > 59 || oh > 14 || om > 59) return std::nullopt;
  const auto offset = hours(oh) + minutes(om);
  const auto local = sys_days(date) + hours(hh) + minutes(mm) + seconds(ss);
  return m[7] == "+" ? local - offset : local + offset;
}

std::string format_cap_datetime(SysSeconds t) {
  using namespace std::chrono;
  const auto day_start = floor<days>(t);
  const year_month_day date{day_start};
  const hh_mm_ss time{t - day_start};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}-00:00", int(date.year()),
                     unsigned(date.month()), unsigned(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count());
}

}  // namespace araldo::model
