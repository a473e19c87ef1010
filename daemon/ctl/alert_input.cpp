#include "daemon/ctl/alert_input.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

namespace araldo::ctl {
namespace {

// YAML scalars become strings: every field of an alert is text (or a list of them).
// `typed`: an unquoted true, false or integer keeps its type (a schedule's enabled and
// within_seconds), except under "alert", which is an alert's text again.
boost::json::value from_yaml(const YAML::Node& node, bool typed = false) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      boost::json::object o;
      for (const auto& entry : node) {
        const auto key = entry.first.as<std::string>();
        o[key] = from_yaml(entry.second, typed && key != "alert");
      }
      return o;
    }
    case YAML::NodeType::Sequence: {
      boost::json::array a;
      for (const auto& item : node) a.push_back(from_yaml(item, typed));
      return a;
    }
    case YAML::NodeType::Scalar:
      if (typed && node.Tag() == "?") {
        bool b = false;
        long long n = 0;
        if (YAML::convert<bool>::decode(node, b)) return b;
        if (YAML::convert<long long>::decode(node, n)) return n;
      }
      return boost::json::string(node.Scalar());
    default:
      return nullptr;
  }
}

}  // namespace

std::string read_input_file(const std::string& file) {
  std::stringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(file);
  if (!in) throw AlertInputError(file + ": cannot be read");
  text << in.rdbuf();
  return text.str();
}

namespace {

boost::json::object parse_file(const std::string& file, bool typed = false) {
  const auto text = read_input_file(file);
  const bool yaml = file.ends_with(".yaml") || file.ends_with(".yml");
  if (!yaml) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(text, ec);
    if (!ec) {
      if (!doc.is_object()) throw AlertInputError(file + ": expected a JSON object");
      return doc.as_object();
    }
    if (file.ends_with(".json")) throw AlertInputError(file + ": not valid JSON: " + ec.message());
  }
  try {
    auto doc = from_yaml(YAML::Load(text), typed);
    if (!doc.is_object()) throw AlertInputError(file + ": expected a mapping of fields");
    return doc.as_object();
  } catch (const YAML::Exception& e) {
    throw AlertInputError(file + ": not valid JSON or YAML: " + e.what());
  }
}

}  // namespace

boost::json::object schedule_from_file(const std::string& file) {
  return parse_file(file, true);
}

boost::json::object alert_from_input(const AlertFlags& flags) {
  boost::json::object alert;
  if (!flags.file.empty()) alert = parse_file(flags.file);
  auto set = [&](const char* name, const std::string& value) {
    if (!value.empty()) alert[name] = value;
  };
  set("headline", flags.headline);
  set("description", flags.description);
  set("instruction", flags.instruction);
  set("event", flags.event);
  set("severity", flags.severity);
  set("urgency", flags.urgency);
  set("certainty", flags.certainty);
  set("area", flags.area);
  set("language", flags.language);
  set("sender", flags.sender);
  set("expires", flags.expires);
  set("web", flags.web);
  set("send_at", flags.send_at);
  set("expires_after", flags.expires_after);
  auto list = [&](const char* name, const std::vector<std::string>& values) {
    if (values.empty()) return;
    boost::json::array a;
    for (const auto& v : values) a.emplace_back(v);
    alert[name] = std::move(a);
  };
  list("category", flags.categories);
  list("channels", flags.channels);
  if (alert.empty()) {
    throw AlertInputError("nothing to send: give --file or the alert's fields (--headline ...)");
  }
  return alert;
}

}  // namespace araldo::ctl
