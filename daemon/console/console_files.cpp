#include "daemon/console/console_files.hpp"

#include <map>

#include "daemon/http/problem.hpp"

namespace araldo::console {

const std::map<std::string, std::string>& embedded_console();  // generated at build time

namespace {

std::string media_type(const std::string& name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

http::Response serve(const api::Call& call) {
  const auto it = call.params.find("file");
  const std::string name = it == call.params.end() ? "index.html" : it->second;
  const auto& files = embedded_console();
  const auto file = files.find(name);
  if (file == files.end()) return http::not_found("no console file '" + name + "'").to_response();
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", media_type(name));
  // Only the console's own script and style, no framing: a page that shows citizens'
  // words cannot be made to run anyone else's code.
  r.headers.set("Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("Referrer-Policy", "no-referrer");
  r.headers.set("Cache-Control", "no-cache");
  r.body = file->second;
  return r;
}

}  // namespace araldo::console
