#pragma once
// The database cannot be reached (or the connection was lost): the API answers 503, the
// dispatcher waits it out. Its own header, so code that never touches SQL can catch it.
#include <stdexcept>
#include <string>

namespace araldo::store {

struct DatabaseUnavailable : std::runtime_error {
  // libpq's messages span lines (one per host tried): a log line is one line.
  explicit DatabaseUnavailable(std::string what) : std::runtime_error(one_line(std::move(what))) {}

 private:
  static std::string one_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    std::string out;
    for (const char c : s) {
      if (c == '\n') {
        out += "; ";
      } else if (c != '\t') {
        out += c;
      }
    }
    return out;
  }
};

// The connection was lost during COMMIT: the transaction may or may not have committed
// (with a synchronous standby, the primary can die after the standby has it). Never
// answered as "nothing was changed".
struct CommitInDoubt : DatabaseUnavailable {
  using DatabaseUnavailable::DatabaseUnavailable;
};

}  // namespace araldo::store
