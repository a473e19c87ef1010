#include "daemon/api/openapi.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

namespace araldo::api {

const std::map<std::string, std::string>& embedded_openapi();  // generated at build time

const std::string& openapi_document() {
  return embedded_openapi().at("openapi.json");
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return "[" + out + "]";
}

}  // namespace

std::vector<std::string> openapi_mismatches(const boost::json::value& document,
                                            const std::vector<RouteSpec>& routes) {
  std::vector<std::string> out;
  const auto* paths = document.is_object() ? document.as_object().if_contains("paths") : nullptr;
  if (!paths || !paths->is_object()) return {"the document has no paths"};
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& r : routes) {
    const auto method = lower(r.method);
    const auto where = r.method + " " + r.pattern;
    routed.insert({r.pattern, method});
    const auto* path = paths->as_object().if_contains(r.pattern);
    const auto* op = path && path->is_object() ? path->as_object().if_contains(method) : nullptr;
    if (!op || !op->is_object()) {
      out.push_back(where + ": served, not in the document");
      continue;
    }
    std::set<std::string> documented_roles, roles;
    if (const auto* x = op->as_object().if_contains("x-araldo-roles"); x && x->is_array()) {
      for (const auto& role : x->as_array()) {
        if (role.is_string()) documented_roles.insert(std::string(role.as_string()));
      }
    }
    for (auto role : r.roles) roles.insert(std::string(to_string(role)));
    if (roles != documented_roles) {
      out.push_back(where + ": roles " + joined(roles) + ", documented " +
                    joined(documented_roles));
    }
    std::string documented_media;
    if (const auto* body = op->as_object().if_contains("requestBody")) {
      if (const auto* content = body->as_object().if_contains("content");
          content && content->is_object() && !content->as_object().empty()) {
        // Several media types are listed as the route lists them: "a, b".
        for (const auto& [media, schema] : content->as_object()) {
          documented_media += (documented_media.empty() ? "" : ", ") + std::string(media);
        }
      } else {
        documented_media = "?";
      }
    }
    if (documented_media != r.media_type) {
      out.push_back(where + ": takes '" + r.media_type + "', documented '" + documented_media +
                    "'");
    }
  }
  for (const auto& [pattern, methods] : paths->as_object()) {
    if (!methods.is_object()) continue;
    for (const auto& [method, op] : methods.as_object()) {
      if (!routed.count({std::string(pattern), std::string(method)})) {
        out.push_back(std::string(method) + " " + std::string(pattern) +
                      ": documented, not served");
      }
    }
  }
  return out;
}

}  // namespace araldo::api
