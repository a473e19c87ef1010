#pragma once
// CAP's values and times as readers write them: "Grave", not "Severe"; "6 dicembre 2026,
// 22:30" in the town's time zone, not "2026-12-06T21:30:22-00:00". For the public pages
// and the console; the CAP documents themselves keep CAP's words.
#include <string>
#include <string_view>

namespace araldo::model {

// A severity, urgency, certainty or msgType value in `language` (Italian and English;
// CAP's own word otherwise).
std::string cap_word(std::string_view value, std::string_view language);

// A CAP datetime in `time_zone` (IANA), written the way `language` writes dates; the value
// unchanged when it is not a CAP datetime.
std::string readable_time(std::string_view cap_datetime, std::string_view language,
                          std::string_view time_zone);

// Whether ICU knows the IANA time zone (config checks).
bool known_time_zone(std::string_view time_zone);

}  // namespace araldo::model
