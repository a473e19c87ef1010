#include "daemon/cap/cap_reader.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <map>
#include <pugixml.hpp>
#include <set>

#include "daemon/cap/cap_writer.hpp"
#include "daemon/model/alert.hpp"
#include "daemon/model/cap_datetime.hpp"

namespace araldo::cap {
namespace {

using http::FieldError;

// The schema's sequences (shared/cap.md); repeatable elements marked with '*'.
constexpr std::array<std::string_view, 14> alert_order = {
    "identifier",  "sender",    "sent",  "status", "msgType",    "source",    "scope",
    "restriction", "addresses", "code*", "note",   "references", "incidents", "info*"};
constexpr std::array<std::string_view, 21> info_order = {
    "language",   "category*", "event",       "responseType*", "urgency", "severity",
    "certainty",  "audience",  "eventCode*",  "effective",     "onset",   "expires",
    "senderName", "headline",  "description", "instruction",   "web",     "contact",
    "parameter*", "resource*", "area*"};
constexpr std::array<std::string_view, 6> area_order = {"areaDesc", "polygon*", "circle*",
                                                        "geocode*", "altitude", "ceiling"};

constexpr const char* cap11_namespace = "urn:oasis:names:tc:emergency:cap:1.1";

class Reader {
 public:
  std::vector<FieldError> errors;
  std::string prefix;  // "cap:" when the document uses a prefixed namespace

  std::string local(const pugi::xml_node& n) const {
    std::string name = n.name();
    return !prefix.empty() && name.starts_with(prefix) ? name.substr(prefix.size()) : name;
  }

  // The children of `node`, by local name, in the order the schema allows; an unknown,
  // repeated or misplaced element is an error.
  template <std::size_t N>
  std::vector<std::pair<std::string, pugi::xml_node>> children(
      const pugi::xml_node& node, const std::array<std::string_view, N>& order,
      const std::string& path) {
    std::vector<std::pair<std::string, pugi::xml_node>> out;
    std::size_t at = 0;
    std::string previous;
    for (auto child : node.children()) {
      if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
        if (std::string_view(child.value()).find_first_not_of(" \t\r\n") != std::string::npos) {
          errors.push_back({path, "text outside an element"});
        }
        continue;
      }
      if (child.type() != pugi::node_element) continue;
      const auto name = local(child);
      if (name == "Signature" || std::string(child.name()).ends_with(":Signature")) continue;
      auto matches = [&](std::string_view o) { return o == name || o == name + "*"; };
      std::size_t k = at;
      while (k < N && !matches(order[k])) ++k;
      if (k == N) {
        const bool twice = at > 0 && order[at - 1] == name;
        const bool known = std::any_of(order.begin(), order.end(), matches);
        errors.push_back({path + "/" + name, twice   ? "given twice"
                                             : known ? "out of order: CAP 1.2 puts <" + name +
                                                           "> before <" + previous + ">"
                                                     : "not a CAP 1.2 element here"});
        continue;
      }
      // A repeatable element may come again; any other only once.
      at = order[k].ends_with("*") ? k : k + 1;
      previous = name;
      out.emplace_back(name, child);
    }
    return out;
  }

  // Text of a simple element: no child elements allowed.
  std::string text(const pugi::xml_node& n, const std::string& path) {
    for (auto c : n.children()) {
      if (c.type() == pugi::node_element) {
        errors.push_back({path, "holds elements; CAP gives it text only"});
        return "";
      }
    }
    return n.text().get();
  }
};

const pugi::xml_node* first(const std::vector<std::pair<std::string, pugi::xml_node>>& list,
                            std::string_view name) {
  for (const auto& [n, node] : list) {
    if (n == name) return &node;
  }
  return nullptr;
}

// The first <info>'s shapes, every <area> together: the alert reaches their union.
struct Shapes {
  boost::json::array polygons, circles, geocodes;
};

void read_shapes(Reader& r, const std::vector<std::pair<std::string, pugi::xml_node>>& parts,
                 const std::string& area_path, Shapes& out) {
  std::map<std::string, int> seen;
  for (const auto& [name, node] : parts) {
    const auto path = area_path + "/" + name + "[" + std::to_string(++seen[name]) + "]";
    if (name == "polygon" || name == "circle") {
      const auto text = r.text(node, path);
      std::optional<std::string> problem;
      if (name == "polygon") {
        if (auto p = model::parse_polygon(text); std::holds_alternative<std::string>(p)) {
          problem = std::get<std::string>(p);
        }
      } else if (auto c = model::parse_circle(text); std::holds_alternative<std::string>(c)) {
        problem = std::get<std::string>(c);
      }
      if (problem) {
        r.errors.push_back({path, *problem});
      } else {
        (name == "polygon" ? out.polygons : out.circles).emplace_back(text);
      }
    } else if (name == "geocode") {
      constexpr std::array<std::string_view, 2> order = {"valueName", "value"};
      const auto fields = r.children(node, order, path);
      const auto* value_name = first(fields, "valueName");
      const auto* value = first(fields, "value");
      if (!value_name || !value) {
        r.errors.push_back({path, "needs <valueName> and <value>"});
        continue;
      }
      const model::GeoCode code{r.text(*value_name, path + "/valueName"),
                                r.text(*value, path + "/value")};
      if (auto why = model::geocode_problem(code)) {
        r.errors.push_back({path + "/value", *why});
      } else {
        out.geocodes.push_back({{"valueName", code.value_name}, {"value", code.value}});
      }
    }
  }
}

}  // namespace

std::variant<CapMessage, std::vector<FieldError>> read_cap(std::string_view xml) {
  pugi::xml_document doc;
  // parse_doctype keeps a DOCTYPE as a node, so that it can be refused rather than skipped.
  const auto parsed = doc.load_buffer(
      xml.data(), xml.size(), pugi::parse_default | pugi::parse_doctype | pugi::parse_declaration,
      pugi::encoding_utf8);
  if (!parsed) {
    return std::vector<FieldError>{{"", "not well-formed XML at byte " +
                                            std::to_string(parsed.offset) + ": " +
                                            parsed.description()}};
  }
  for (auto n : doc.children()) {
    if (n.type() == pugi::node_doctype) {
      return std::vector<FieldError>{
          {"", "a DOCTYPE is refused: CAP needs no DTD, and entities are never expanded"}};
    }
  }
  const auto root = doc.document_element();
  Reader r;
  const std::string root_name = root.name();
  if (const auto colon = root_name.find(':'); colon != std::string::npos) {
    r.prefix = root_name.substr(0, colon + 1);
  }
  const std::string ns =
      root.attribute(("xmlns" + (r.prefix.empty() ? std::string()
                                                  : ":" + r.prefix.substr(0, r.prefix.size() - 1)))
                         .c_str())
          .value();
  if (r.local(root) != "alert") {
    return std::vector<FieldError>{{"/" + root_name, "the root must be a CAP <alert>"}};
  }
  if (ns == cap11_namespace) {
    return std::vector<FieldError>{
        {"/alert", "CAP 1.1 is not accepted: send CAP 1.2 (" + std::string(cap_namespace) + ")"}};
  }
  if (ns != cap_namespace) {
    return std::vector<FieldError>{
        {"/alert", "the namespace must be " + std::string(cap_namespace) + ", not '" + ns + "'"}};
  }

  CapMessage out;
  auto& a = out.alert;
  const auto fields = r.children(root, alert_order, "/alert");
  auto required = [&](std::string_view name) -> std::string {
    const auto* n = first(fields, name);
    if (!n) {
      r.errors.push_back({"/alert/" + std::string(name), "required"});
      return "";
    }
    return r.text(*n, "/alert/" + std::string(name));
  };
  auto optional = [&](std::string_view name) -> std::string {
    const auto* n = first(fields, name);
    return n ? r.text(*n, "/alert/" + std::string(name)) : "";
  };
  auto one_of = [&](const std::string& path, const std::string& value, const auto& allowed) {
    if (!value.empty() && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      r.errors.push_back({path, "'" + value + "' is not a CAP value here (case-sensitive)"});
    }
  };
  out.identifier = required("identifier");
  const auto sender = required("sender");
  for (const auto& [name, value] : {std::pair{"identifier", out.identifier}, {"sender", sender}}) {
    if (value.find_first_of(" ,<&") != std::string::npos) {
      r.errors.push_back(
          {std::string("/alert/") + name, "must not contain spaces, commas, '<' or '&'"});
    }
  }
  out.sent = required("sent");
  if (!out.sent.empty() && !model::parse_cap_datetime(out.sent)) {
    r.errors.push_back(
        {"/alert/sent", "'" + out.sent + "' is not a CAP datetime like 2026-03-14T06:30:00+01:00"});
  }
  const auto status = required("status");
  one_of("/alert/status", status, model::statuses);
  out.msg_type = required("msgType");
  if (out.msg_type == "Ack" || out.msg_type == "Error") {
    r.errors.push_back(
        {"/alert/msgType", out.msg_type + " messages are not taken: Alert, Update or Cancel"});
  } else {
    one_of("/alert/msgType", out.msg_type, model::message_types);
  }
  const auto scope = required("scope");
  one_of("/alert/scope", scope, model::scopes);
  a["sender"] = sender;
  a["status"] = status;
  a["scope"] = scope;
  if (auto v = optional("restriction"); !v.empty()) a["restriction"] = v;
  if (auto v = optional("addresses"); !v.empty()) a["addresses"] = v;
  const auto references = optional("references");
  // References are sender,identifier,sent triplets separated by spaces.
  for (std::size_t start = 0; start < references.size();) {
    auto end = references.find(' ', start);
    if (end == std::string::npos) end = references.size();
    const auto triplet = references.substr(start, end - start);
    start = end + 1;
    if (triplet.empty()) continue;
    const auto c1 = triplet.find(',');
    const auto c2 = c1 == std::string::npos ? c1 : triplet.find(',', c1 + 1);
    if (c2 == std::string::npos) {
      r.errors.push_back({"/alert/references", "'" + triplet + "' is not sender,identifier,sent"});
      continue;
    }
    out.references.push_back(triplet.substr(c1 + 1, c2 - c1 - 1));
  }
  if ((out.msg_type == "Update" || out.msg_type == "Cancel") && out.references.empty()) {
    r.errors.push_back({"/alert/references", "an " + out.msg_type + " names what it corrects"});
  }

  // One <info> per language: the first is the alert, the others its translations.
  int k = 0;
  boost::json::array translations;
  boost::json::object base;
  for (const auto& [name, node] : fields) {
    if (name != "info") continue;
    ++k;
    const std::string path = "/alert/info[" + std::to_string(k) + "]";
    const auto info = r.children(node, info_order, path);
    auto get = [&](std::string_view field) -> std::string {
      const auto* n = first(info, field);
      return n ? r.text(*n, path + "/" + std::string(field)) : "";
    };
    boost::json::object t;
    t["language"] = get("language").empty() ? "en-US" : get("language");
    for (const auto* field : {"event", "headline", "description", "instruction", "web"}) {
      if (auto v = get(field); !v.empty()) t[field] = v;
    }
    std::string areas;
    Shapes shapes;
    int area_k = 0;
    for (const auto& [n2, area] : info) {
      if (n2 != "area") continue;
      const auto area_path = path + "/area[" + std::to_string(++area_k) + "]";
      const auto parts = r.children(area, area_order, area_path);
      const auto* desc = first(parts, "areaDesc");
      if (!desc) {
        r.errors.push_back({area_path + "/areaDesc", "required"});
        continue;
      }
      areas += (areas.empty() ? "" : "; ") + r.text(*desc, area_path + "/areaDesc");
      if (k == 1) read_shapes(r, parts, area_path, shapes);
    }
    if (!areas.empty()) t["area"] = areas;
    if (k == 1) {
      boost::json::array cats;
      for (const auto& [n2, c] : info) {
        if (n2 == "category") cats.emplace_back(r.text(c, path + "/category"));
      }
      if (cats.empty()) r.errors.push_back({path + "/category", "required"});
      base = t;
      base["category"] = std::move(cats);
      if (!shapes.polygons.empty()) base["polygons"] = std::move(shapes.polygons);
      if (!shapes.circles.empty()) base["circles"] = std::move(shapes.circles);
      if (!shapes.geocodes.empty()) base["geocodes"] = std::move(shapes.geocodes);
      for (const auto* field : {"urgency", "severity", "certainty"}) {
        const auto v = get(field);
        if (v.empty()) r.errors.push_back({path + "/" + field, "required"});
        base[field] = v;
      }
      if (auto v = get("expires"); !v.empty()) base["expires"] = v;
      if (get("event").empty()) r.errors.push_back({path + "/event", "required"});
    } else {
      // Araldo publishes one severity, urgency and certainty per alert.
      for (const auto* field : {"urgency", "severity", "certainty"}) {
        const auto v = get(field);
        if (!v.empty() && base.contains(field) && base.at(field).as_string() != v) {
          r.errors.push_back(
              {path + "/" + field,
               "differs from the first <info>: one alert has one " + std::string(field)});
        }
      }
      // What a translation does not change falls back to the first <info>'s.
      for (const auto* field : {"event", "area", "web"}) {
        if (t.contains(field) && base.contains(field) && t.at(field) == base.at(field)) {
          t.erase(field);
        }
      }
      translations.push_back(std::move(t));
    }
  }
  if (k == 0 && out.msg_type == "Alert") {
    r.errors.push_back({"/alert/info", "an Alert needs at least one <info>"});
  }
  for (auto& [key, value] : base) a[key] = value;
  if (!translations.empty()) a["translations"] = std::move(translations);
  if (!r.errors.empty()) return r.errors;
  return out;
}

}  // namespace araldo::cap
