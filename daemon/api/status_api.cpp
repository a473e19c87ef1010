#include "daemon/api/status_api.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "daemon/store/operations_store.hpp"

namespace araldo::api {

StatusApi::StatusApi(store::Database& db, ChannelStates channels,
                     std::optional<std::string> audit_public_key, std::string time_zone)
    : db_(db),
      channels_(std::move(channels)),
      audit_public_key_(std::move(audit_public_key)),
      time_zone_(std::move(time_zone)) {}

http::Response StatusApi::me(const Call& call) const {
  return http::Response::json(200, boost::json::serialize(boost::json::object{
                                       {"name", call.caller.name},
                                       {"role", std::string(to_string(call.caller.role))},
                                       {"time_zone", time_zone_}}));
}

http::Response StatusApi::status(const Call&) const {
  const auto ops = store::operations_snapshot(db_);
  boost::json::object channels;
  const auto configured = channels_();
  for (const auto& [name, c] : configured) {
    if (!c.enabled) continue;  // the console offers what can be sent to
    const auto count = [&](const char* state) {
      const auto it = ops.unfinished.find({name, state});
      return it == ops.unfinished.end() ? 0LL : it->second;
    };
    const auto due = ops.due.find(name);
    const auto age = ops.oldest_due_seconds.find(name);
    channels[name] = {
        {"type", c.type},
        {"state", c.state},
        {"reason", c.reason},
        {"resumes_in_ms", c.resumes_in_ms},
        {"due", due == ops.due.end() ? 0 : due->second},
        {"oldest_due_seconds",
         age == ops.oldest_due_seconds.end() ? 0.0 : std::max(0.0, std::round(age->second))},
        {"pending", count("pending")},
        {"retrying", count("retrying")},
        {"sending", count("sending")}};
  }
  // A target that moved for good: sent to its new address meanwhile, but the admin should
  // name that in the configuration (and drop the old one).
  boost::json::array migrations;
  for (const auto& m : ops.migrations) {
    const auto c = configured.find(m.channel);
    const bool old_named = c != configured.end() &&
                           std::find(c->second.targets.begin(), c->second.targets.end(), m.from) !=
                               c->second.targets.end();
    boost::json::object o{{"channel", m.channel},
                          {"from", m.from},
                          {"to", m.to},
                          {"at", m.at},
                          {"configuration_names_old_address", old_named}};
    if (old_named) {
      o["action"] = "replace " + m.from + " with " + m.to + " in the configuration of channel " +
                    m.channel + " (alerts already go to " + m.to + ")";
    }
    migrations.push_back(std::move(o));
  }
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{
               {"channels", std::move(channels)},
               {"target_migrations", std::move(migrations)},
               {"audit",
                {{"unsealed_events", ops.unsealed_events},
                 {"sealing_lag_seconds", ops.sealing_lag_seconds},
                 {"public_key", audit_public_key_ ? boost::json::value(*audit_public_key_)
                                                  : boost::json::value(nullptr)}}},
               {"inbound_waiting", ops.inbound_waiting}}));
}

}  // namespace araldo::api
