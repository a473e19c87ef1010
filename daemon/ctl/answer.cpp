#include "daemon/ctl/answer.hpp"

#include <ostream>

namespace araldo::ctl {

// What went wrong, for a person reading stderr: the problem document's title, detail
// and each field error; the status decides the exit code.
Exit failed(Context& c, const ApiResponse& r) {
  if (r.status == 0) {
    c.err << "araldoctl: no answer from the server: " << r.error << "\n";
    return Exit::unreachable;
  }
  boost::system::error_code ec;
  const auto doc = boost::json::parse(r.body, ec);
  c.err << "araldoctl: " << r.status;
  if (!ec && doc.is_object()) {
    const auto& o = doc.as_object();
    if (const auto* t = o.if_contains("title"); t && t->is_string()) {
      c.err << " " << t->as_string().c_str();
    }
    if (const auto* d = o.if_contains("detail"); d && d->is_string()) {
      c.err << ": " << d->as_string().c_str();
    }
    c.err << "\n";
    if (const auto* errors = o.if_contains("errors"); errors && errors->is_array()) {
      for (const auto& e : errors->as_array()) {
        if (!e.is_object()) continue;
        const auto* p = e.as_object().if_contains("pointer");
        const auto* d = e.as_object().if_contains("detail");
        c.err << "  " << (p && p->is_string() ? p->as_string().c_str() : "") << ": "
              << (d && d->is_string() ? d->as_string().c_str() : "") << "\n";
      }
    }
  } else {
    c.err << "\n";
  }
  return r.status == 503 ? Exit::unreachable : Exit::refused;
}

bool succeeded(const ApiResponse& r) {
  return r.status >= 200 && r.status < 300;
}

std::string text_of(const boost::json::value* v) {
  if (!v || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  return boost::json::serialize(*v);
}

}  // namespace araldo::ctl
