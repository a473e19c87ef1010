#include "daemon/render/renderer.hpp"

#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <vector>

#include "daemon/model/cap_datetime.hpp"
#include "daemon/text/utf8.hpp"

namespace araldo::render {

const std::map<std::string, std::string>& embedded_templates();  // generated at build time

namespace {

namespace mustache = kainjow::mustache;

// "2026-03-14T06:30:00+01:00" -> "14/03/2026 06:30 (UTC+01:00)": the sender's local
// time, as the operator wrote it, with its offset so nobody has to guess the zone.
std::string readable_datetime(const std::string& cap) {
  if (cap.size() != 25) return cap;
  return cap.substr(8, 2) + "/" + cap.substr(5, 2) + "/" + cap.substr(0, 4) + " " +
         cap.substr(11, 5) + " (UTC" + cap.substr(19) + ")";
}

// How long {{description_brief}} may be, in characters: what is left of a WhatsApp
// template body (1,024 once filled) after the template's own words, the headline, the
// area and the instruction.
constexpr std::size_t brief_description_length = 600;

// The description, or if it is longer than `limit` characters, its beginning up to the
// last whole sentence (else word) that fits, a visible ellipsis, and the link where the
// rest can be read.
std::string brief(const std::string& description, const std::optional<std::string>& link,
                  std::size_t limit) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t pos = 0; pos < description.size();) {
    starts.push_back(pos);
    if (!text::next_code_point(description, pos)) return description;  // intake checked it
  }
  if (starts.size() <= limit) return description;
  const std::string tail = " …" + (link ? " " + *link : std::string());
  std::size_t tail_length = 0;
  text::for_each_code_point(tail, [&](char32_t) { ++tail_length; });
  const std::size_t room = limit > tail_length ? limit - tail_length : 0;
  const std::string_view head(description.data(), starts[room]);
  std::size_t cut = std::string_view::npos;
  for (std::string_view end : {". ", "! ", "? ", "。", "！", "？"}) {
    const auto at = head.rfind(end);
    if (at == std::string_view::npos) continue;
    const auto after = at + (end.size() == 2 ? 1 : end.size());  // keep ".", drop the space
    if (cut == std::string_view::npos || after > cut) cut = after;
  }
  if (cut == std::string_view::npos || cut < head.size() / 3) cut = head.rfind(' ');
  if (cut == std::string_view::npos || cut == 0) cut = head.size();
  std::string out(head.substr(0, cut));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + tail;
}

// The level in words, with one symbol per level, so that no reader depends on colour
// (Italy's civil-protection codes: rossa, arancione, gialla). Nothing for Unknown: a level
// nobody stated is not announced.
struct SeverityLevel {
  const char* severity;
  const char* symbol;
  const char* italian;
  const char* english;
};
constexpr SeverityLevel severity_levels[] = {
    {"Extreme", "🔴", "ALLERTA ROSSA", "RED ALERT"},
    {"Severe", "🟠", "ALLERTA ARANCIONE", "ORANGE ALERT"},
    {"Moderate", "🟡", "ALLERTA GIALLA", "YELLOW ALERT"},
    {"Minor", "🟢", "AVVISO", "NOTICE"},
};

// In the template's language (`language`): the words belong to the text around them.
void set_severity_level(mustache::data& d, const std::string& severity,
                        const std::string& language) {
  for (const auto& level : severity_levels) {
    if (severity != level.severity) continue;
    const std::string words = language == "it" ? level.italian : level.english;
    d.set("severity_symbol", level.symbol);
    d.set("severity_words", words);
    d.set("severity_level", std::string(level.symbol) + " " + words);
  }
}

mustache::data alert_data(const model::Alert& a, const std::string& template_language) {
  mustache::data d;
  auto optional_text = [&](const std::string& key, const std::string& value) {
    // An empty section must not render: leave the key out rather than set "".
    if (!value.empty()) d.set(key, value);
  };
  d.set("headline", a.headline);
  optional_text("description", a.description);
  // The rest of a shortened description: the alert's public page, else its web link.
  const auto rest = !a.public_page.empty() ? std::optional<std::string>(a.public_page) : a.web;
  optional_text("description_brief", brief(a.description, rest, brief_description_length));
  optional_text("public_page", a.public_page);
  optional_text("instruction", a.instruction);
  d.set("event", a.event);
  std::string cats;
  for (const auto& c : a.categories) cats += (cats.empty() ? "" : ", ") + c;
  d.set("category", cats);
  d.set("severity", a.severity);
  d.set("urgency", a.urgency);
  d.set("certainty", a.certainty);
  mustache::data severity_is;
  severity_is.set(a.severity, mustache::data::type::bool_true);
  d.set("severity_is", severity_is);
  set_severity_level(d, a.severity, template_language);
  // Templates say in words that an alert is a drill, a test, an update or a cancellation.
  mustache::data status_is;
  status_is.set(a.status, mustache::data::type::bool_true);
  d.set("status_is", status_is);
  mustache::data msg_type_is;
  msg_type_is.set(a.msg_type, mustache::data::type::bool_true);
  d.set("msg_type_is", msg_type_is);
  optional_text("area", a.area);
  optional_text("sender", a.sender);
  d.set("language", a.language);
  if (a.expires) d.set("expires", readable_datetime(*a.expires));
  if (a.web) d.set("web", *a.web);
  return d;
}

}  // namespace

Renderer::Renderer(std::optional<std::filesystem::path> templates_dir)
    : templates_dir_(std::move(templates_dir)) {}

std::optional<std::string> Renderer::read_file(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = file_cache_.try_emplace(path.string());
  if (inserted) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      it->second = ss.str();
    }
  }
  return it->second;
}

std::optional<Renderer::Found> Renderer::find(const channels::Channel& channel,
                                              const std::string& language) const {
  const auto& s = channel.settings();
  const std::string file = language + ".mustache";
  if (s.template_dir) {
    const auto path = std::filesystem::path(*s.template_dir) / file;
    if (auto text = read_file(path)) return Found{path.string(), *text};
  }
  if (templates_dir_) {
    const auto path = *templates_dir_ / s.type / file;
    if (auto text = read_file(path)) return Found{path.string(), *text};
  }
  const auto& embedded = embedded_templates();
  if (auto it = embedded.find(s.type + "/" + file); it != embedded.end()) {
    return Found{"built-in " + it->first, it->second};
  }
  return std::nullopt;
}

Renderer::Rendered Renderer::render(const channels::Channel& channel, const model::Alert& alert,
                                    std::string_view language) const {
  const auto& fallback = channel.settings().language;
  auto text = model::translated(alert, language.empty() ? fallback : language);
  if (!text) text = model::translated(alert, fallback);
  if (!text) text = alert;

  std::optional<Found> found;
  std::string used;
  for (const auto& lang : {model::primary_language(text->language), fallback, std::string("en")}) {
    if ((found = find(channel, lang))) {
      used = lang;
      break;
    }
  }
  if (!found) {
    throw RenderError("no template for channel " + channel.name() + " (type " +
                      channel.settings().type + ")");
  }
  mustache::mustache tmpl(found->text);
  if (!tmpl.is_valid()) throw RenderError(found->source + ": " + tmpl.error_message());
  tmpl.set_custom_escape([&channel](const std::string& s) { return channel.escape(s); });
  auto out = tmpl.render(alert_data(*text, used));
  if (!tmpl.is_valid()) throw RenderError(found->source + ": " + tmpl.error_message());
  // Sections left empty leave their lines behind (this Mustache keeps standalone tag
  // lines): a paragraph break is at most one blank line.
  std::string tidy;
  tidy.reserve(out.size());
  std::size_t newlines = 0;
  for (char c : out) {
    newlines = c == '\n' ? newlines + 1 : 0;
    if (newlines <= 2) tidy += c;
  }
  while (!tidy.empty() && (tidy.back() == '\n' || tidy.back() == ' ')) tidy.pop_back();
  return {used, tidy};
}

void Renderer::check(const channels::Channel& channel) const {
  auto found = find(channel, channel.settings().language);
  if (!found) found = find(channel, "en");
  if (!found) {
    throw RenderError("channel " + channel.name() + ": no template for language '" +
                      channel.settings().language + "' nor 'en'");
  }
  mustache::mustache tmpl(found->text);
  if (!tmpl.is_valid()) throw RenderError(found->source + ": " + tmpl.error_message());

  model::Alert sample;
  sample.headline = "Test";
  sample.event = "Test";
  sample.categories = {"Other"};
  sample.severity = sample.urgency = sample.certainty = "Unknown";
  sample.language = channel.settings().language;
  const auto rendered = render(channel, sample);
  const auto split = channel.split(rendered.text, rendered.language);
  if (const auto* why = std::get_if<std::string>(&split)) {
    throw RenderError("channel " + channel.name() + ": " + found->source +
                      " renders a minimal alert into something it cannot send: " + *why);
  }
  // A channel for drills must say so in words: a template that renders an Exercise as it
  // renders a real alert would publish a drill as if it were real.
  for (const auto& status : channel.settings().statuses) {
    if (status == "Actual") continue;
    auto drill = sample;
    drill.status = status;
    if (render(channel, drill).text == rendered.text) {
      throw RenderError("channel " + channel.name() + ": " + found->source + " renders a " +
                        status +
                        " alert exactly as an Actual one; say so in words (use "
                        "{{#status_is." +
                        status + "}}...{{/status_is." + status + "}})");
    }
  }
}

}  // namespace araldo::render
