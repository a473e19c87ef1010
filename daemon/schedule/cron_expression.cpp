#include "daemon/schedule/cron_expression.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace araldo::schedule {
namespace {

struct FieldSpec {
  const char* name;
  int min, max;
  std::vector<std::string> names;  // names[i] stands for min + i
};

const std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month",
     1,
     12,
     {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
    {"day of week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}};

struct Field {
  std::set<int> values;
  bool star = false;  // starts with '*': not a restriction for cron's either-day rule
};

std::optional<int> number(const FieldSpec& spec, std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (std::size_t i = 0; i < spec.names.size(); ++i) {
    if (text == spec.names[i]) return spec.min + static_cast<int>(i);
  }
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (n < spec.min || n > spec.max) return std::nullopt;
  return n;
}

std::variant<Field, CronRefusal> parse_field(const FieldSpec& spec, const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return CronRefusal{std::string("the ") + spec.name + " field '" + text + "' " + why};
  };
  Field field;
  field.star = !text.empty() && text[0] == '*';
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) return bad("has an empty list item");
    int step = 1;
    const bool stepped = item.find('/') != std::string::npos;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      const auto s = number({spec.name, 1, 1000, {}}, item.substr(slash + 1));
      if (!s) return bad("has a step that is not a positive number");
      step = *s;
      item.erase(slash);
    }
    int low = 0, high = 0;
    if (item == "*") {
      low = spec.min;
      high = spec.max == 7 ? 6 : spec.max;
    } else if (auto dash = item.find('-'); dash != std::string::npos) {
      const auto a = number(spec, item.substr(0, dash));
      const auto b = number(spec, item.substr(dash + 1));
      if (!a || !b)
        return bad("has a range outside " + std::to_string(spec.min) + "-" +
                   std::to_string(spec.max));
      if (*a > *b) return bad("has a range that runs backwards");
      low = *a;
      high = *b;
    } else {
      const auto a = number(spec, item);
      if (!a)
        return bad("is not a value in " + std::to_string(spec.min) + "-" +
                   std::to_string(spec.max) + (spec.names.empty() ? "" : " or a name"));
      low = *a;
      high = stepped ? spec.max : *a;  // N/step: N to the end
    }
    for (int v = low; v <= high; v += step) field.values.insert(spec.max == 7 && v == 7 ? 0 : v);
  }
  if (field.values.empty()) return bad("is empty");
  return field;
}

std::string list(const std::set<int>& values, const char* const* names = nullptr) {
  std::string out;
  for (int v : values) {
    if (!out.empty()) out += ',';
    out += names ? names[v] : std::to_string(v);
  }
  return out;
}

}  // namespace

std::variant<std::string, CronRefusal> cron_to_rrule(const std::string& expression) {
  std::string text = expression;
  if (text == "@yearly" || text == "@annually") text = "0 0 1 1 *";
  if (text == "@monthly") text = "0 0 1 * *";
  if (text == "@weekly") text = "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") text = "0 0 * * *";
  if (text == "@hourly") text = "0 * * * *";
  if (!text.empty() && text[0] == '@') {
    return CronRefusal{"'" + expression +
                       "' is not one of @yearly @monthly @weekly @daily @hourly"};
  }
  std::stringstream in(text);
  std::vector<std::string> parts;
  for (std::string p; in >> p;) parts.push_back(p);
  if (parts.size() != 5) {
    return CronRefusal{
        "a cron expression has 5 fields (minute hour day-of-month month "
        "day-of-week); this one has " +
        std::to_string(parts.size())};
  }
  std::array<Field, 5> f;
  for (std::size_t i = 0; i < 5; ++i) {
    auto parsed = parse_field(kFields[i], parts[i]);
    if (auto* r = std::get_if<CronRefusal>(&parsed)) return *r;
    f[i] = std::get<Field>(parsed);
  }
  if (!f[2].star && !f[4].star) {
    return CronRefusal{
        "both day of month ('" + parts[2] + "') and day of week ('" + parts[4] +
        "') are restricted: standard cron would fire on days matching EITHER, which is rarely "
        "what is meant. For the first Monday of the month use the RRULE "
        "FREQ=MONTHLY;BYDAY=1MO; for either, make two schedules"};
  }
  static const char* const days[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  std::string rrule = "FREQ=DAILY;BYHOUR=" + list(f[1].values) + ";BYMINUTE=" + list(f[0].values);
  // A field that allows every value (*, or a list covering all) limits nothing.
  if (f[2].values.size() < 31) rrule += ";BYMONTHDAY=" + list(f[2].values);
  if (f[3].values.size() < 12) rrule += ";BYMONTH=" + list(f[3].values);
  if (f[4].values.size() < 7) rrule += ";BYDAY=" + list(f[4].values, days);
  return rrule;
}

}  // namespace araldo::schedule
