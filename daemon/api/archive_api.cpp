#include "daemon/api/archive_api.hpp"

#include <boost/json.hpp>
#include <kainjow/mustache.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "daemon/api/alert_id.hpp"
#include "daemon/cap/cap_writer.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/model/cap_words.hpp"
#include "daemon/store/archive_store.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::api {
namespace {

constexpr int feed_size = 50;

std::string sender_of(const model::Alert& a) {
  return a.sender.empty() ? "araldo" : a.sender;
}

std::string cap_of(const store::ArchivedAlert& archived, const model::Alert& alert) {
  cap::Envelope envelope{archived.id, sender_of(alert), archived.sent, {}};
  for (const auto& r : archived.references) {
    envelope.references.push_back({r.sender.empty() ? "araldo" : r.sender, r.id, r.sent});
  }
  return cap::to_cap_xml(envelope, alert);
}

// A representation with a validator: 304 when the client already has it.
http::Response cacheable(const Call& call, std::string body, const std::string& type) {
  const auto etag = "\"" + text::sha256_hex(body).substr(0, 32) + "\"";
  http::Response r;
  if (auto match = call.request.headers.find("If-None-Match");
      match && (*match == etag || *match == "*")) {
    r.status = 304;
  } else {
    r.status = 200;
    r.body = std::move(body);
    r.headers.set("Content-Type", type);
  }
  r.headers.set("ETag", etag);
  // Short: a cancellation must reach readers within a minute.
  r.headers.set("Cache-Control", "public, max-age=60");
  return r;
}

const char* const page_template = R"(<!DOCTYPE html>
<html lang="{{language}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{headline}}</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}
.notice{border:3px solid #b00;padding:.5rem 1rem;font-weight:bold}dt{font-weight:bold}</style>
</head>
<body>
<main>
<p>{{sender}} · <time datetime="{{sent_cap}}">{{sent}}</time> · {{kind}}</p>
{{#cancelled}}<p class="notice" role="alert">REVOCATO / CANCELLED: {{cancelled}}</p>{{/cancelled}}
{{#updated}}<p class="notice" role="alert">AGGIORNATO / UPDATED: <a href="{{updated}}">{{updated}}</a></p>{{/updated}}
{{#texts}}
<article lang="{{language}}">
<h1>{{headline}}</h1>
<dl>
<dt>Evento / Event</dt><dd>{{event}}</dd>
{{#area}}<dt>Zona / Area</dt><dd>{{area}}</dd>{{/area}}
<dt>Gravità / Severity</dt><dd>{{severity}}, {{urgency}}, {{certainty}}</dd>
{{#expires}}<dt>Valido fino a / Valid until</dt><dd>{{expires}}</dd>{{/expires}}
</dl>
{{#description}}<p>{{description}}</p>{{/description}}
{{#instruction}}<p><strong>{{instruction}}</strong></p>{{/instruction}}
{{#web}}<p><a href="{{web}}">{{web}}</a></p>{{/web}}
</article>
{{/texts}}
{{#map}}<figure>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="{{view_box}}" role="img" aria-labelledby="area-caption" style="width:100%;max-height:24rem;background:#f4f4f4">
{{#zones}}<path d="{{path}}" fill="none" stroke="#444" stroke-width="1.5" stroke-dasharray="4 3" vector-effect="non-scaling-stroke"/>
<text x="{{x}}" y="{{y}}" font-size="{{font}}" text-anchor="middle" fill="#222">{{label}}</text>
{{/zones}}{{#area}}<path d="{{area}}" fill="#b00" fill-opacity="0.3" stroke="#b00" stroke-width="2" vector-effect="non-scaling-stroke"/>{{/area}}
</svg>
<figcaption id="area-caption">{{caption}}</figcaption>
</figure>{{/map}}
{{#references}}<p>Corregge / Corrects: <a href="{{.}}">{{.}}</a></p>{{/references}}
<p><a href="{{cap}}">CAP 1.2</a> · <a href="{{proof}}">Prova nel registro firmato / Proof in the signed log</a></p>
</main>
</body>
</html>
)";

// One language's block: CAP's values in that language, times in the town's zone.
kainjow::mustache::data text_data(const model::Alert& a, const model::Alert& base,
                                  const std::string& time_zone) {
  kainjow::mustache::data d;
  d.set("language", a.language);
  d.set("headline", a.headline);
  d.set("event", a.event);
  if (!a.area.empty()) d.set("area", a.area);
  d.set("severity", model::cap_word(base.severity, a.language));
  d.set("urgency", model::cap_word(base.urgency, a.language));
  d.set("certainty", model::cap_word(base.certainty, a.language));
  if (base.expires) d.set("expires", model::readable_time(*base.expires, a.language, time_zone));
  if (!a.description.empty()) d.set("description", a.description);
  if (!a.instruction.empty()) d.set("instruction", a.instruction);
  if (a.web) d.set("web", *a.web);
  return d;
}

// The area and the zones it touched, drawn by the server: no tiles, no outside request.
kainjow::mustache::data map_data(const store::AreaDrawing& drawing, const model::Alert& alert) {
  kainjow::mustache::data d;
  d.set("view_box", drawing.view_box);
  if (!drawing.area.empty()) d.set("area", drawing.area);
  kainjow::mustache::data zones{kainjow::mustache::data::type::list};
  std::string names;
  for (const auto& z : drawing.zones) {
    kainjow::mustache::data zone;
    zone.set("path", z.path);
    zone.set("label", z.label);
    zone.set("x", std::to_string(z.x));
    zone.set("y", std::to_string(z.y));
    zone.set("font", std::to_string(drawing.unit * 4));
    zones.push_back(zone);
    names += (names.empty() ? "" : ", ") + z.label;
  }
  d.set("zones", zones);
  const bool italian = model::primary_language(alert.language) == "it";
  d.set("caption", (italian ? "Area dell'allerta" : "Area of the alert") +
                       std::string(alert.area.empty() ? "" : ": " + alert.area) +
                       (names.empty() ? "" : (italian ? ". Zone: " : ". Zones: ") + names));
  return d;
}

std::string page_of(const store::ArchivedAlert& archived, const model::Alert& alert,
                    const model::AlertDefaults& defaults,
                    const std::optional<store::AreaDrawing>& drawing) {
  kainjow::mustache::data d;
  d.set("language", alert.language);
  d.set("headline", alert.headline);
  // The town's name for itself when the alert is its own, not an address.
  d.set("sender", !defaults.sender_name.empty() && alert.sender == defaults.sender
                      ? defaults.sender_name
                      : sender_of(alert));
  d.set("sent", model::readable_time(archived.sent, alert.language, defaults.time_zone));
  d.set("sent_cap", archived.sent);
  d.set("kind", model::cap_word(alert.msg_type, alert.language));
  if (drawing) d.set("map", map_data(*drawing, alert));
  d.set("cap", "/public/alerts/" + archived.id + ".cap");
  d.set("proof", "/public/alerts/" + archived.id + "/proof");
  for (const auto& c : archived.corrections) {
    if (c.msg_type == "Cancel") {
      d.set("cancelled", model::readable_time(c.sent, alert.language, defaults.time_zone));
    }
    if (c.msg_type == "Update") d.set("updated", "/public/alerts/" + c.id);
  }
  kainjow::mustache::data texts{kainjow::mustache::data::type::list};
  texts.push_back(text_data(alert, alert, defaults.time_zone));
  for (const auto& t : alert.translations) {
    if (auto translated = model::translated(alert, t.language)) {
      texts.push_back(text_data(*translated, alert, defaults.time_zone));
    }
  }
  d.set("texts", texts);
  kainjow::mustache::data refs{kainjow::mustache::data::type::list};
  for (const auto& r : archived.references) refs.push_back("/public/alerts/" + r.id);
  d.set("references", refs);
  kainjow::mustache::mustache page(page_template);
  return page.render(d);  // the default escaping: citizens' text is never markup
}

}  // namespace

ArchiveApi::ArchiveApi(store::Database& db, model::AlertDefaults defaults)
    : db_(db), defaults_(std::move(defaults)), public_url_(defaults_.public_url) {}

http::Response ArchiveApi::feed(const Call& call) const {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto feed = doc.append_child("feed");
  feed.append_attribute("xmlns") = "http://www.w3.org/2005/Atom";
  feed.append_attribute("xmlns:cap") = cap::cap_namespace;
  const auto& base = public_url_;
  feed.append_child("id").text() =
      base.empty() ? "urn:araldo:public-alerts" : (base + "/public/alerts.atom").c_str();
  feed.append_child("title").text() = "Araldo: public alerts";
  auto self = feed.append_child("link");
  self.append_attribute("rel") = "self";
  self.append_attribute("href") = (base + "/public/alerts.atom").c_str();
  const auto alerts = store::public_alerts(db_, feed_size);
  feed.append_child("updated").text() =
      alerts.empty() ? "1970-01-01T00:00:00Z" : alerts.front().sent.c_str();
  feed.append_child("author").append_child("name").text() = "Araldo";
  for (const auto& archived : alerts) {
    const auto alert = model::alert_from_document(archived.document);
    if (!alert) continue;
    auto entry = feed.append_child("entry");
    entry.append_child("id").text() = ("urn:araldo:alert:" + archived.id).c_str();
    const bool cancelled = std::any_of(archived.corrections.begin(), archived.corrections.end(),
                                       [](const auto& c) { return c.msg_type == "Cancel"; });
    entry.append_child("title").text() =
        ((cancelled ? "[REVOCATO] " : "") + alert->headline).c_str();
    entry.append_child("updated").text() = archived.sent.c_str();
    entry.append_child("published").text() = archived.sent.c_str();
    entry.append_child("author").append_child("name").text() = sender_of(*alert).c_str();
    auto cap_link = entry.append_child("link");
    cap_link.append_attribute("rel") = "alternate";
    cap_link.append_attribute("type") = cap::cap_media_type;
    cap_link.append_attribute("href") = (base + "/public/alerts/" + archived.id + ".cap").c_str();
    auto page_link = entry.append_child("link");
    page_link.append_attribute("rel") = "related";
    page_link.append_attribute("type") = "text/html";
    page_link.append_attribute("href") = (base + "/public/alerts/" + archived.id).c_str();
    entry.append_child("summary").text() =
        (alert->description.empty() ? alert->headline : alert->description).c_str();
    entry.append_child("cap:event").text() = alert->event.c_str();
    entry.append_child("cap:status").text() = alert->status.c_str();
    entry.append_child("cap:msgType").text() = alert->msg_type.c_str();
    entry.append_child("cap:severity").text() = alert->severity.c_str();
    entry.append_child("cap:urgency").text() = alert->urgency.c_str();
    entry.append_child("cap:certainty").text() = alert->certainty.c_str();
    if (alert->expires) entry.append_child("cap:expires").text() = alert->expires->c_str();
    if (!alert->area.empty()) entry.append_child("cap:areaDesc").text() = alert->area.c_str();
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return cacheable(call, out.str(), "application/atom+xml; charset=utf-8");
}

http::Response ArchiveApi::alert(const Call& call) const {
  std::string name = call.params.at("name");
  const bool as_cap = name.ends_with(".cap");
  if (as_cap) name.resize(name.size() - 4);
  if (auto bad = reject_alert_id(name)) return *bad;
  const auto archived = store::archived_alert(db_, name, true);
  const auto alert = archived ? model::alert_from_document(archived->document) : std::nullopt;
  if (!alert) return http::not_found("no public alert with id " + name).to_response();
  if (as_cap) {
    auto r = cacheable(call, cap_of(*archived, *alert), cap::cap_media_type);
    // The document stays as published; its proof in the signed log is linked beside it.
    r.headers.set("Link",
                  "</public/alerts/" + archived->id + "/proof>; rel=\"araldo-audit-proof\"");
    return r;
  }
  return cacheable(call,
                   page_of(*archived, *alert, defaults_, store::area_drawing(db_, archived->id)),
                   "text/html; charset=utf-8");
}

std::optional<http::Response> alert_as_cap(store::Database& db, const std::string& id) {
  const auto archived = store::archived_alert(db, id, false);
  const auto alert = archived ? model::alert_from_document(archived->document) : std::nullopt;
  if (!alert) return std::nullopt;
  auto r = http::Response{};
  r.status = 200;
  r.body = cap_of(*archived, *alert);
  r.headers.set("Content-Type", cap::cap_media_type);
  return r;
}

}  // namespace araldo::api
