#include "daemon/cap/cap_writer.hpp"

#include <pugixml.hpp>
#include <sstream>

namespace araldo::cap {
namespace {

void text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

void optional_text(pugi::xml_node parent, const char* name, const std::string& value) {
  if (!value.empty()) text(parent, name, value);
}

void info(pugi::xml_node alert_node, const model::Alert& a, const model::Alert& base) {
  auto node = alert_node.append_child("info");
  text(node, "language", a.language);
  for (const auto& c : base.categories) text(node, "category", c);
  text(node, "event", a.event);
  text(node, "urgency", base.urgency);
  text(node, "severity", base.severity);
  text(node, "certainty", base.certainty);
  if (base.expires) text(node, "expires", *base.expires);
  optional_text(node, "senderName", base.sender);
  text(node, "headline", a.headline);
  optional_text(node, "description", a.description);
  optional_text(node, "instruction", a.instruction);
  if (a.web) text(node, "web", *a.web);
  if (a.area.empty()) return;
  auto area = node.append_child("area");
  text(area, "areaDesc", a.area);
  // The shapes are the alert's, whatever the language: every <info> carries them.
  for (const auto& p : base.geometry.polygons) text(area, "polygon", p);
  for (const auto& c : base.geometry.circles) text(area, "circle", c);
  for (const auto& g : base.geometry.geocodes) {
    auto code = area.append_child("geocode");
    text(code, "valueName", g.value_name);
    text(code, "value", g.value);
  }
}

}  // namespace

std::string to_cap_xml(const Envelope& envelope, const model::Alert& alert) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("alert");
  root.append_attribute("xmlns") = cap_namespace;
  text(root, "identifier", envelope.identifier);
  text(root, "sender", envelope.sender);
  text(root, "sent", envelope.sent);
  text(root, "status", alert.status);
  text(root, "msgType", alert.msg_type);
  text(root, "scope", alert.scope);
  optional_text(root, "restriction", alert.restriction);
  optional_text(root, "addresses", alert.addresses);
  if (!envelope.references.empty()) {
    std::string refs;
    for (const auto& r : envelope.references) {
      refs += (refs.empty() ? "" : " ") + r.sender + "," + r.identifier + "," + r.sent;
    }
    text(root, "references", refs);
  }
  info(root, alert, alert);
  for (const auto& t : alert.translations) {
    if (auto translated = model::translated(alert, t.language)) info(root, *translated, alert);
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace araldo::cap
