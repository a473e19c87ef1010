#include "daemon/model/alert_json.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <regex>
#include <set>

#include "daemon/model/cap_datetime.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::model {
namespace {

using http::FieldError;

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class FieldReader {
 public:
  FieldReader(const boost::json::object& obj, std::vector<FieldError>& errors,
              std::string prefix = "")
      : obj_(obj), errors_(errors), prefix_(std::move(prefix)) {}

  // A string field: not blank, no control characters but newlines and tabs, bounded.
  std::optional<std::string> text(const std::string& key, bool required, std::size_t max_chars) {
    const auto* v = lookup(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) return fail(key, "must be a string");
    std::string s(v->as_string());
    if (s.find_first_not_of(" \t\r\n") == std::string::npos) return fail(key, "must not be blank");
    for (unsigned char c : s) {
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F) {
        return fail(key, "must not contain control characters");
      }
    }
    if (code_points(s) > max_chars) {
      return fail(key, "is " + std::to_string(code_points(s)) + " characters; at most " +
                           std::to_string(max_chars) + " allowed");
    }
    return s;
  }

  template <std::size_t N>
  std::optional<std::string> one_of(const std::string& key,
                                    const std::array<std::string_view, N>& allowed,
                                    bool required = true) {
    auto s = text(key, required, 64);
    if (!s) return std::nullopt;
    if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
      return fail(key, "'" + *s + "' is not one of " + join(allowed) + " (case-sensitive)");
    }
    return s;
  }

  // A list of strings; a single string is accepted as a list of one.
  std::optional<std::vector<std::string>> list(const std::string& key, bool required) {
    const auto* v = lookup(key, required);
    if (!v) return std::nullopt;
    std::vector<std::string> out;
    if (v->is_string()) {
      out.emplace_back(v->as_string());
      return out;
    }
    if (!v->is_array()) return fail(key, "must be a string or an array of strings"), std::nullopt;
    const auto& arr = v->as_array();
    if (arr.empty()) return fail(key, "must not be empty"), std::nullopt;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        errors_.push_back({prefix_ + "/" + key + "/" + std::to_string(i), "must be a string"});
        return std::nullopt;
      }
      out.emplace_back(arr[i].as_string());
    }
    return out;
  }

  void reject_unknown() {
    for (const auto& kv : obj_) {
      const std::string key(kv.key());
      if (!seen_.contains(key)) {
        errors_.push_back({prefix_ + "/" + escape_pointer_token(key), "unknown field"});
      }
    }
  }

  std::nullopt_t fail(const std::string& key, std::string detail) {
    errors_.push_back({prefix_ + "/" + key, std::move(detail)});
    return std::nullopt;
  }

  // The raw value of a field, marked as read.
  const boost::json::value* lookup(const std::string& key, bool required) {
    seen_.insert(key);
    const auto* v = obj_.if_contains(key);
    if (v && v->is_null()) v = nullptr;
    if (!v && required) fail(key, "is required");
    return v;
  }

 private:
  template <std::size_t N>
  static std::string join(const std::array<std::string_view, N>& items) {
    std::string out;
    for (auto s : items) out += (out.empty() ? "" : ", ") + std::string(s);
    return out;
  }

  const boost::json::object& obj_;
  std::vector<FieldError>& errors_;
  std::string prefix_;
  std::set<std::string> seen_;
};

const std::regex& language_shape() {
  static const std::regex shape("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");
  return shape;
}

constexpr std::chrono::seconds max_schedule_ahead = std::chrono::days(366);

// An ISO 8601 duration of days, hours, minutes and seconds: P1D, PT2H, PT1H30M, P1DT12H.
std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  static const std::regex shape(
      R"(P(?:(\d{1,3})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?(?:(\d{1,6})S)?)?)");
  std::smatch m;
  if (!std::regex_match(text, m, shape) || text == "P" || text.back() == 'T') return std::nullopt;
  auto num = [&](int i) { return m[i].matched ? std::stoll(m[i].str()) : 0LL; };
  return std::chrono::seconds(num(1) * 86400 + num(2) * 3600 + num(3) * 60 + num(4));
}

std::optional<std::string> web_link(FieldReader& r) {
  auto web = r.text("web", false, 2000);
  if (!web) return std::nullopt;
  auto url = boost::urls::parse_absolute_uri(*web);
  if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->host().empty()) {
    return r.fail("web", "must be an absolute http(s) URL");
  }
  return web;
}

// CAP's further <info> blocks: the same alert's text in other languages.
void read_translations(FieldReader& r, Alert& a, std::vector<FieldError>& errors) {
  const auto* v = r.lookup("translations", false);
  if (!v) return;
  if (!v->is_array()) return (void)r.fail("translations", "must be an array of objects");
  std::set<std::string> languages{primary_language(a.language)};
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const std::string at = "/translations/" + std::to_string(i);
    const auto& item = v->as_array()[i];
    if (!item.is_object()) {
      errors.push_back({at, "must be an object"});
      continue;
    }
    FieldReader t(item.as_object(), errors, at);
    AlertText text;
    if (auto lang = t.text("language", true, 35)) {
      if (!std::regex_match(*lang, language_shape())) {
        t.fail("language", "'" + *lang + "' is not a language tag such as \"en\"");
      } else if (!languages.insert(primary_language(*lang)).second) {
        t.fail("language", "'" + *lang + "' is given twice (the alert's own language counts)");
      } else {
        text.language = *lang;
      }
    }
    text.headline = t.text("headline", true, 160).value_or("");
    text.description = t.text("description", false, 4000).value_or("");
    text.instruction = t.text("instruction", false, 2000).value_or("");
    text.event = t.text("event", false, 100).value_or("");
    text.area = t.text("area", false, 500).value_or("");
    text.web = web_link(t);
    t.reject_unknown();
    a.translations.push_back(std::move(text));
  }
}

void read_geocodes(FieldReader& r, Alert& a, std::vector<FieldError>& errors) {
  const auto* v = r.lookup("geocodes", false);
  if (!v) return;
  if (!v->is_array() || v->as_array().empty()) {
    return (void)r.fail("geocodes",
                        "must be a non-empty array of {\"valueName\": \"ISTAT\", \"value\": ...}");
  }
  for (std::size_t i = 0; i < v->as_array().size(); ++i) {
    const auto at = "/geocodes/" + std::to_string(i);
    const auto& item = v->as_array()[i];
    if (!item.is_object()) {
      errors.push_back({at, "must be an object with valueName and value"});
      continue;
    }
    FieldReader g(item.as_object(), errors, at);
    GeoCode code{g.text("valueName", true, 100).value_or(""),
                 g.text("value", true, 100).value_or("")};
    g.reject_unknown();
    if (code.value_name.empty() || code.value.empty()) continue;
    if (auto why = geocode_problem(code)) {
      errors.push_back({at + "/value", *why});
    } else {
      a.geometry.geocodes.push_back(std::move(code));
    }
  }
}

// CAP <area>'s shapes: "polygons" and "circles" as CAP writes them, "geocodes" as
// {valueName, value} objects. Checked here, so the database never refuses one.
void read_geometry(FieldReader& r, Alert& a, std::vector<FieldError>& errors) {
  auto shapes = [&](const std::string& key, auto parse, std::vector<std::string>& out) {
    const auto* v = r.lookup(key, false);
    if (!v) return;
    if (!v->is_array() || v->as_array().empty()) {
      return (void)r.fail(key, "must be a non-empty array of strings");
    }
    if (v->as_array().size() > 100) return (void)r.fail(key, "at most 100 allowed");
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
      const auto at = "/" + key + "/" + std::to_string(i);
      const auto& item = v->as_array()[i];
      if (!item.is_string()) {
        errors.push_back({at, "must be a string"});
        continue;
      }
      const std::string text(item.as_string());
      const auto parsed = parse(text);
      if (const auto* why = std::get_if<std::string>(&parsed)) {
        errors.push_back({at, *why});
      } else {
        out.push_back(text);
      }
    }
  };
  shapes("polygons", parse_polygon, a.geometry.polygons);
  shapes("circles", parse_circle, a.geometry.circles);
  read_geocodes(r, a, errors);
  if (!a.geometry.empty() && a.area.empty()) {
    r.fail("area",
           "an alert with polygons, circles or geocodes describes its area in words "
           "too (CAP areaDesc), e.g. \"Niguarda, lungo il Seveso\"");
  }
}

}  // namespace

std::variant<Alert, std::vector<FieldError>> alert_from_json(
    const boost::json::value& doc, const AlertDefaults& defaults,
    std::chrono::system_clock::time_point now) {
  std::vector<FieldError> errors;
  if (!doc.is_object()) return std::vector<FieldError>{{"", "the body must be a JSON object"}};
  FieldReader r(doc.as_object(), errors);
  Alert a;

  a.headline = r.text("headline", true, 160).value_or("");
  a.description = r.text("description", false, 4000).value_or("");
  a.instruction = r.text("instruction", false, 2000).value_or("");
  a.event = r.text("event", true, 100).value_or("");
  a.severity = r.one_of("severity", severities).value_or("");
  a.urgency = r.one_of("urgency", urgencies).value_or("");
  a.certainty = r.one_of("certainty", certainties).value_or("");
  if (auto cats = r.list("category", true)) {
    std::set<std::string> unique;
    for (std::size_t i = 0; i < cats->size(); ++i) {
      const auto& c = (*cats)[i];
      if (std::find(categories.begin(), categories.end(), c) == categories.end()) {
        errors.push_back(
            {"/category" + (doc.as_object().at("category").is_array() ? "/" + std::to_string(i)
                                                                      : std::string()),
             "'" + c +
                 "' is not a CAP category (Geo, Met, Safety, Security, Rescue, "
                 "Fire, Health, Env, Transport, Infra, CBRNE, Other)"});
      } else if (unique.insert(c).second) {
        a.categories.push_back(c);
      }
    }
  }
  a.area = r.text("area", false, 500).value_or("");
  read_geometry(r, a, errors);

  if (auto lang = r.text("language", false, 35)) {
    if (std::regex_match(*lang, language_shape())) {
      a.language = *lang;
    } else {
      r.fail("language", "'" + *lang + "' is not a language tag such as \"it\" or \"it-IT\"");
    }
  } else {
    a.language = defaults.language;
  }

  if (auto sender = r.text("sender", false, 200)) {
    if (sender->find_first_of(" ,<&") != std::string::npos) {
      r.fail("sender", "must not contain spaces, commas, '<' or '&' (CAP 1.2)");
    } else {
      a.sender = *sender;
    }
  } else {
    a.sender = defaults.sender;
  }

  // Not before `send_at`: a scheduled notice, accepted now.
  std::optional<SysSeconds> send_at;
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  if (auto text = r.text("send_at", false, 25)) {
    send_at = parse_cap_datetime(*text);
    if (!send_at) {
      r.fail("send_at", "'" + *text + "' is not a CAP datetime like 2026-03-14T06:30:00+01:00");
    } else if (*send_at <= now_s) {
      r.fail("send_at", "'" + *text + "' is in the past: leave send_at out to send now");
      send_at.reset();
    } else if (*send_at > now_s + max_schedule_ahead) {
      r.fail("send_at", "at most 366 days ahead");
      send_at.reset();
    } else {
      a.send_at = *text;
    }
  }
  if (auto after = r.text("expires_after", false, 32)) {
    const auto duration = parse_duration(*after);
    if (r.lookup("expires", false)) {
      r.fail("expires_after", "give expires or expires_after, not both");
    } else if (!duration || *duration <= std::chrono::seconds(0) ||
               *duration > max_schedule_ahead) {
      r.fail("expires_after",
             "'" + *after + "' is not a duration such as PT2H, PT30M or P1D (up to P366D)");
    } else {
      // Counted from the send time: a scheduled notice's validity starts when it is sent.
      a.expires = format_cap_datetime(send_at.value_or(now_s) + *duration);
    }
  }
  if (auto expires = r.text("expires", false, 25)) {
    auto t = parse_cap_datetime(*expires);
    if (!t) {
      r.fail("expires", "'" + *expires +
                            "' is not a CAP datetime like 2026-03-14T06:30:00+01:00 (offset "
                            "required, no 'Z', no fractions)");
    } else if (*t <= now_s) {
      // Compared in seconds: as nanoseconds since 1970, a time after 2262 overflows.
      r.fail("expires", "'" + *expires + "' is in the past: the alert would never be sent");
    } else if (send_at && *t <= *send_at) {
      r.fail("expires", "'" + *expires + "' is not after send_at: it would never be sent");
    } else {
      a.expires = *expires;
    }
  }

  a.status = r.one_of("status", statuses, false).value_or("Actual");
  a.scope = r.one_of("scope", scopes, false).value_or("Public");
  a.restriction = r.text("restriction", false, 500).value_or("");
  a.addresses = r.text("addresses", false, 2000).value_or("");
  if (a.scope == "Restricted" && a.restriction.empty()) {
    r.fail("restriction", "a Restricted alert says who it is for (CAP <restriction>)");
  }
  if (a.scope == "Private" && a.addresses.empty()) {
    r.fail("addresses", "a Private alert lists who it is for (CAP <addresses>)");
  }
  if (a.scope != "Restricted" && !a.restriction.empty()) {
    r.fail("restriction", "only a Restricted alert has a restriction");
  }
  if (a.scope != "Private" && !a.addresses.empty()) {
    r.fail("addresses", "only a Private alert has addresses");
  }

  a.web = web_link(r);
  read_translations(r, a, errors);
  if (const auto* ack = r.lookup("acknowledge", false)) {
    if (!ack->is_bool()) {
      r.fail("acknowledge", "must be true or false");
    } else {
      a.asks_ack = ack->as_bool();
    }
  }

  if (auto chans = r.list("channels", false)) {
    std::set<std::string> unique;
    for (auto& c : *chans) {
      if (unique.insert(c).second) a.channels.push_back(std::move(c));
    }
  }

  r.reject_unknown();
  if (!errors.empty()) return errors;
  return a;
}

boost::json::object alert_to_json(const Alert& a) {
  boost::json::object o;
  o["headline"] = a.headline;
  if (!a.description.empty()) o["description"] = a.description;
  if (!a.instruction.empty()) o["instruction"] = a.instruction;
  o["event"] = a.event;
  boost::json::array cats;
  for (const auto& c : a.categories) cats.emplace_back(c);
  o["category"] = std::move(cats);
  o["severity"] = a.severity;
  o["urgency"] = a.urgency;
  o["certainty"] = a.certainty;
  if (!a.area.empty()) o["area"] = a.area;
  auto strings = [](const std::vector<std::string>& list) {
    boost::json::array out;
    for (const auto& s : list) out.emplace_back(s);
    return out;
  };
  if (!a.geometry.polygons.empty()) o["polygons"] = strings(a.geometry.polygons);
  if (!a.geometry.circles.empty()) o["circles"] = strings(a.geometry.circles);
  if (!a.geometry.geocodes.empty()) {
    boost::json::array codes;
    for (const auto& g : a.geometry.geocodes) {
      codes.push_back({{"valueName", g.value_name}, {"value", g.value}});
    }
    o["geocodes"] = std::move(codes);
  }
  o["language"] = a.language;
  if (!a.sender.empty()) o["sender"] = a.sender;
  if (a.expires) o["expires"] = *a.expires;
  if (a.send_at) o["send_at"] = *a.send_at;
  if (a.web) o["web"] = *a.web;
  // Written when not CAP's defaults, so an alert stored before they existed reads the same.
  if (a.status != "Actual") o["status"] = a.status;
  if (a.scope != "Public") o["scope"] = a.scope;
  if (!a.restriction.empty()) o["restriction"] = a.restriction;
  if (!a.addresses.empty()) o["addresses"] = a.addresses;
  if (a.msg_type != "Alert") o["msg_type"] = a.msg_type;
  if (a.asks_ack) o["acknowledge"] = true;
  if (!a.references.empty()) {
    boost::json::array refs;
    for (const auto& id : a.references) refs.emplace_back(id);
    o["references"] = std::move(refs);
  }
  if (!a.translations.empty()) {
    boost::json::array translations;
    for (const auto& t : a.translations) {
      boost::json::object to{{"language", t.language}, {"headline", t.headline}};
      if (!t.description.empty()) to["description"] = t.description;
      if (!t.instruction.empty()) to["instruction"] = t.instruction;
      if (!t.event.empty()) to["event"] = t.event;
      if (!t.area.empty()) to["area"] = t.area;
      if (t.web) to["web"] = *t.web;
      translations.push_back(std::move(to));
    }
    o["translations"] = std::move(translations);
  }
  // Written only when named: an empty list is not valid input, and the document must read
  // back as the same alert.
  if (!a.channels.empty()) {
    boost::json::array chans;
    for (const auto& c : a.channels) chans.emplace_back(c);
    o["channels"] = std::move(chans);
  }
  return o;
}

}  // namespace araldo::model

namespace araldo::model {

std::optional<Alert> alert_from_document(const boost::json::value& document) {
  if (!document.is_object()) return std::nullopt;
  auto doc = document.as_object();
  // What only a correction sets, and the times that only mattered when it was accepted.
  std::string msg_type = "Alert";
  std::vector<std::string> references;
  if (const auto* m = doc.if_contains("msg_type"); m && m->is_string()) {
    msg_type = std::string(m->as_string());
  }
  if (const auto* r = doc.if_contains("references"); r && r->is_array()) {
    for (const auto& id : r->as_array()) {
      if (id.is_string()) references.emplace_back(id.as_string());
    }
  }
  doc.erase("msg_type");
  doc.erase("references");
  doc.erase("send_at");
  const AlertDefaults defaults{"it", ""};
  auto parsed = alert_from_json(doc, defaults, std::chrono::system_clock::time_point{});
  if (!std::holds_alternative<Alert>(parsed)) return std::nullopt;
  auto alert = std::get<Alert>(std::move(parsed));
  alert.msg_type = msg_type;
  alert.references = std::move(references);
  return alert;
}

}  // namespace araldo::model
