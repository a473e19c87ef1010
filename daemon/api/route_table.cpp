#include "daemon/api/route_table.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <optional>

#include "daemon/api/auth.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/store/api_key_store.hpp"
#include "daemon/store/subscriber_store.hpp"

namespace araldo::api {
namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < pattern.size()) {
    const auto end = pattern.find('/', start);
    if (end != start) out.emplace_back(pattern.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// The path's segments, percent-decoded; nullopt when the target is not an origin-form
// URI (a stray '%', a space).
std::optional<std::vector<std::string>> decoded_segments(const std::string& target) {
  const auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& segment : parsed->segments()) {
    if (!segment.empty()) out.push_back(segment);
  }
  return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           PathParams& params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      params[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

// `wanted`: one media type, or several separated by ", ".
bool has_media_type(const http::Request& request, std::string_view wanted) {
  const auto value = request.headers.find("Content-Type");
  if (!value) return false;
  auto media = value->substr(0, value->find(';'));
  media = media.substr(0, media.find_last_not_of(" \t") + 1);
  for (std::size_t start = 0; start <= wanted.size();) {
    auto end = wanted.find(", ", start);
    if (end == std::string_view::npos) end = wanted.size();
    if (http::iequals(media, wanted.substr(start, end - start))) return true;
    start = end + 2;
  }
  return false;
}

std::string roles_text(const std::vector<Role>& roles) {
  std::string out;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == roles.size() ? " or " : ", ") + std::string(to_string(roles[i]));
  }
  return out;
}

// 503 with Retry-After: a database failover takes seconds, and a client (a cron job, an
// Alertmanager webhook) that waits that long gets through on its own.
http::Response database_unavailable(std::string detail) {
  auto r = http::service_unavailable(std::move(detail)).to_response();
  r.headers.set("Retry-After", "2");
  return r;
}

// The one mapping from what a handler throws to the answer.
http::Response run(const CallHandler& handle, const Call& call) {
  try {
    return handle(call);
  } catch (const store::DatabaseUnavailable& e) {
    const bool in_doubt = dynamic_cast<const store::CommitInDoubt*>(&e) != nullptr;
    spdlog::error("event=http.{} method={} path={} actor={} error=\"{}\"",
                  in_doubt ? "commit_in_doubt" : "database_unavailable", call.request.method,
                  std::string(call.request.path()), call.caller.name, e.what());
    return database_unavailable(
        in_doubt ? "the database connection was lost while committing: the request MAY have "
                   "been accepted; send it again with the same Idempotency-Key and the answer "
                   "says which (a replay is marked Idempotent-Replayed), or look for it before "
                   "sending it again"
                 : "the database is unavailable: the request was NOT accepted and nothing was "
                   "changed; send it again");
  } catch (const store::ValueRefused& e) {
    // The database knows better than a check that let the value by: still the client's
    // input, and nothing was written. Where it is, only the handler's checks could say.
    spdlog::warn("event=http.value_refused method={} path={} error=\"{}\"", call.request.method,
                 std::string(call.request.path()), e.what());
    return http::Problem{422,
                         "validation-failed",
                         "The request is not valid",
                         std::string("the database refused a value: ") + e.what(),
                         {}}
        .to_response();
  }
}

const Caller anonymous{"anonymous", Role::Auditor};

}  // namespace

RouteTable::RouteTable(store::Database& db, std::size_t default_body_limit)
    : db_(db), default_body_limit_(default_body_limit) {}

void RouteTable::add(RouteSpec spec) {
  routes_.push_back(spec);
  auto segments = split_pattern(spec.pattern);
  compiled_.push_back({std::move(spec), std::move(segments)});
}

http::Admission RouteTable::admit(const http::Request& head) const {
  auto refuse = [](http::Response r) { return http::Admission{std::move(r), 0, {}}; };
  const auto path = decoded_segments(head.target);
  if (!path) {
    return refuse(http::bad_request("malformed-path",
                                    "the request target is not a valid path: escape reserved "
                                    "characters as %XX (a '+' in a number as %2B)")
                      .to_response());
  }
  std::string allowed;
  const Compiled* route = nullptr;
  PathParams params;
  for (const auto& c : compiled_) {
    PathParams p;
    if (!match(c.segments, *path, p)) continue;
    if (c.spec.method == head.method) {
      route = &c;
      params = std::move(p);
      break;
    }
    allowed += (allowed.empty() ? "" : ", ") + c.spec.method;
  }
  if (!route) {
    if (allowed.empty()) {
      return refuse(http::not_found("no such endpoint: " + std::string(head.path())).to_response());
    }
    auto r = http::Problem{
        405,
        "method-not-allowed",
        "Method not allowed",
        head.method + " is not allowed here; use " + allowed,
        {}}.to_response();
    r.headers.set("Allow", allowed);
    return refuse(std::move(r));
  }

  const auto& spec = route->spec;
  Caller caller = anonymous;
  if (!spec.roles.empty()) {
    try {
      auto who = authenticate(db_, head);
      if (auto* p = std::get_if<http::Problem>(&who)) return refuse(p->to_response());
      caller = std::get<Caller>(who);
    } catch (const store::DatabaseUnavailable&) {
      return refuse(database_unavailable(
          "the database is unavailable, so the key cannot be checked: the request was NOT "
          "accepted and nothing was changed; send it again"));
    }
    if (std::find(spec.roles.begin(), spec.roles.end(), caller.role) == spec.roles.end()) {
      const std::string detail = "the key '" + caller.name + "' has the role " +
                                 std::string(to_string(caller.role)) + "; " + spec.method + " " +
                                 spec.pattern + " needs " + roles_text(spec.roles);
      spdlog::warn("event=access.denied actor={} role={} method={} path={}", caller.name,
                   to_string(caller.role), head.method, std::string(head.path()));
      try {
        store::audit_access_denied(db_, caller.name, std::string(to_string(caller.role)),
                                   head.method, std::string(head.path()));
      } catch (const store::DatabaseUnavailable&) {
        // Still refused; the log line above records it.
      }
      return refuse(http::Problem{403, "forbidden", "Not allowed for this key's role", detail, {}}
                        .to_response());
    }
  }
  if (!spec.media_type.empty()) {
    if (!has_media_type(head, spec.media_type)) {
      return refuse(http::Problem{
          415,
          "unsupported-media-type",
          "Unsupported media type",
          "send the body as 'Content-Type: " + spec.media_type + "'",
          {}}.to_response());
    }
  }
  const auto limit = spec.body_limit > 0 ? spec.body_limit : default_body_limit_;
  return {std::nullopt, limit,
          [handle = spec.handle, params = std::move(params),
           caller = std::move(caller)](const http::Request& request) {
            return run(handle, Call{request, params, caller});
          }};
}

}  // namespace araldo::api
