#include "daemon/model/cap_words.hpp"

#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>

#include <map>
#include <memory>

#include "daemon/model/alert.hpp"
#include "daemon/model/cap_datetime.hpp"

namespace araldo::model {

std::string cap_word(std::string_view value, std::string_view language) {
  // Italian civil protection's own words (the "Dipartimento"'s glossary for CAP-IT).
  static const std::map<std::string_view, std::string_view> italian = {
      {"Extreme", "Estrema"},      {"Severe", "Grave"},
      {"Moderate", "Moderata"},    {"Minor", "Lieve"},
      {"Unknown", "Non nota"},     {"Immediate", "Immediata"},
      {"Expected", "Attesa"},      {"Future", "Futura"},
      {"Past", "Passata"},         {"Observed", "Osservata"},
      {"Likely", "Probabile"},     {"Possible", "Possibile"},
      {"Unlikely", "Improbabile"}, {"Alert", "Allerta"},
      {"Update", "Aggiornamento"}, {"Cancel", "Revoca"},
      {"Actual", "Reale"},         {"Exercise", "Esercitazione"},
      {"Test", "Prova"},           {"System", "Messaggio di sistema"}};
  if (primary_language(language) == "it") {
    if (const auto it = italian.find(value); it != italian.end()) return std::string(it->second);
  }
  return std::string(value);
}

bool known_time_zone(std::string_view time_zone) {
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(
      icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(), time_zone.size()))));
  icu::UnicodeString id;
  zone->getID(id);
  return id != icu::UnicodeString(UCAL_UNKNOWN_ZONE_ID);
}

std::string readable_time(std::string_view cap_datetime, std::string_view language,
                          std::string_view time_zone) {
  const auto at = parse_cap_datetime(std::string(cap_datetime));
  if (!at) return std::string(cap_datetime);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(primary_language(language).c_str());
  // "6 dicembre 2026, 22:30" / "6 December 2026, 22:30": day, month in words, 24 hours.
  icu::SimpleDateFormat format(icu::UnicodeString("d MMMM y, HH:mm"), locale, status);
  if (U_FAILURE(status)) return std::string(cap_datetime);
  format.adoptTimeZone(icu::TimeZone::createTimeZone(
      icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(), time_zone.size()))));
  icu::UnicodeString out;
  format.format(static_cast<UDate>(at->time_since_epoch().count()) * 1000.0, out);
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

}  // namespace araldo::model
