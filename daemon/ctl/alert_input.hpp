#pragma once
// The alert `araldoctl send` posts: from a JSON or YAML file (or stdin), with flags
// adding or replacing fields. It is sent as written; araldod validates it.
#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace araldo::ctl {

struct AlertInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct AlertFlags {
  std::string file;  // "-" for stdin; .yaml/.yml read as YAML, else JSON (YAML if not JSON)
  std::string headline, description, instruction, event, severity, urgency, certainty, area,
      language, sender, expires, web, send_at, expires_after;
  std::vector<std::string> categories, channels;
};

// Throws AlertInputError naming the file and what is wrong with it.
boost::json::object alert_from_input(const AlertFlags& flags);

// A file's bytes, or stdin's for "-"; AlertInputError when it cannot be read.
std::string read_input_file(const std::string& file);

// A schedule document (POST /v1/schedules) from a JSON or YAML file, or "-" for stdin.
boost::json::object schedule_from_file(const std::string& file);

}  // namespace araldo::ctl
