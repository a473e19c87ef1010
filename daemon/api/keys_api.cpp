#include "daemon/api/keys_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "daemon/model/alert_json.hpp"
#include "daemon/model/cap_datetime.hpp"
#include "daemon/store/api_key_store.hpp"

namespace araldo::api {
namespace {

boost::json::object key_json(const store::KeyInfo& k) {
  boost::json::object o{{"name", k.name}, {"role", k.role}, {"created_at", k.created_at}};
  o["created_by"] = k.created_by ? boost::json::value(*k.created_by) : nullptr;
  o["expires_at"] = k.expires_at ? boost::json::value(*k.expires_at) : nullptr;
  o["revoked_at"] = k.revoked_at ? boost::json::value(*k.revoked_at) : nullptr;
  return o;
}

}  // namespace

http::Response KeysApi::create(const Call& call) const {
  auto parsed = model::parse_json_body(call.request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  const auto& doc = std::get<boost::json::value>(parsed);
  if (!doc.is_object()) return http::unprocessable({{"", "expected a JSON object"}}).to_response();
  std::vector<http::FieldError> errors;
  store::NewKey key;
  for (const auto& [field, value] : doc.as_object()) {
    const std::string pointer = "/" + std::string(field);
    if (field == "name" || field == "role" || field == "expires_at") {
      if (!value.is_string()) {
        errors.push_back({pointer, "expected a string"});
        continue;
      }
      const std::string text(value.as_string());
      if (field == "name") key.name = text;
      if (field == "role") key.role = text;
      if (field == "expires_at") {
        if (!model::parse_cap_datetime(text)) {
          errors.push_back({pointer, "a time with its offset, e.g. 2027-01-31T23:59:59+01:00"});
        }
        key.expires_at = text;
      }
    } else {
      errors.push_back({pointer, "unknown field (name, role, expires_at)"});
    }
  }
  if (key.name.empty() && !doc.as_object().contains("name")) {
    errors.push_back({"/name", "required: 1-64 of A-Z a-z 0-9 . _ -"});
  }
  if (key.role.empty() && !doc.as_object().contains("role")) {
    errors.push_back({"/role", "required: operator, scheduler, auditor or admin"});
  } else if (!key.role.empty() && !parse_role(key.role)) {
    errors.push_back({"/role", "one of operator, scheduler, auditor, admin"});
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors)).to_response();
  try {
    const auto created = store::create_api_key(db_, key, call.caller.name);
    spdlog::info("event=key.created name={} role={} actor={}", created.name, created.role,
                 call.caller.name);
    boost::json::object body{{"name", created.name}, {"role", created.role}, {"key", created.key}};
    body["expires_at"] = created.expires_at ? boost::json::value(*created.expires_at) : nullptr;
    auto r = http::Response::json(201, boost::json::serialize(body));
    r.headers.set("Cache-Control", "no-store");  // the key is in the body
    return r;
  } catch (const store::KeyRefused& e) {
    if (e.exists) {
      return http::Problem{409, "key-exists", "A key with this name exists", e.what(), {}}
          .to_response();
    }
    return http::unprocessable({{"/" + e.field, e.what()}}).to_response();
  }
}

http::Response KeysApi::list(const Call&) const {
  boost::json::array keys;
  for (const auto& k : store::list_api_keys(db_)) keys.push_back(key_json(k));
  return http::Response::json(200, boost::json::serialize(boost::json::object{{"keys", keys}}));
}

http::Response KeysApi::revoke(const Call& call) const {
  const auto& name = call.params.at("name");
  if (!store::revoke_api_key(db_, name, call.caller.name)) {
    return http::not_found("no live key named '" + name + "'").to_response();
  }
  spdlog::warn("event=key.revoked name={} actor={}", name, call.caller.name);
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace araldo::api
