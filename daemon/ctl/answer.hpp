#pragma once
// How araldoctl shows an answer: a table of the JSON, or the JSON itself; and a refusal as
// the problem document's title, detail and field errors on stderr, with its exit status.
#include <boost/json.hpp>
#include <string>

#include "daemon/ctl/api_client.hpp"
#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/exit_codes.hpp"

namespace araldo::ctl {

// Prints what went wrong; the status decides the exit code.
Exit failed(Context& c, const ApiResponse& r);
bool succeeded(const ApiResponse& r);
// A field as text: "-" when absent or null.
std::string text_of(const boost::json::value* v);

// Prints a JSON answer as it came, or `table` of it.
template <typename Table>
Exit answer(Context& c, const ApiResponse& r, Table&& table) {
  if (!succeeded(r)) return failed(c, r);
  if (c.output == Output::json || r.body.empty()) {
    if (!r.body.empty()) c.out << r.body << "\n";
    return Exit::ok;
  }
  table(boost::json::parse(r.body).as_object());
  return Exit::ok;
}

}  // namespace araldo::ctl
