#include "daemon/api/subscribers_api.hpp"

#include <malloc.h>

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <optional>

#include "daemon/api/subscriber_input.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/store/subscriber_store.hpp"

namespace araldo::api {
namespace {

using http::Problem;

// The problem to answer when the channel does not take subscribers.
std::optional<Problem> reject_channel(const channels::ChannelSet& set, const std::string& channel) {
  const auto* c = set.find(channel);
  if (!c) return http::not_found("no channel named '" + channel + "' is configured");
  if (!c->subscribers()) {
    return Problem{409,
                   "not-a-subscription-channel",
                   "Not a subscription channel",
                   "channel '" + channel + "' (" + c->settings().type +
                       ") sends to the targets in its configuration; it has no subscribers",
                   {}};
  }
  return std::nullopt;
}

// Each refused subscriber, where it was given: the CSV line, or the JSON body's address.
std::optional<http::Response> refused_opt_outs(const store::UpsertResult& r,
                                               const std::vector<store::Subscriber>& given) {
  std::vector<http::FieldError> errors;
  for (const auto& z : r.unknown_zones) {
    const auto& s = given.at(z.index);
    errors.push_back({s.line ? "/line/" + std::to_string(s.line) : "/zones",
                      "zone '" + z.zone + "' is not defined (GET /v1/zones lists them)"});
  }
  if (!errors.empty()) return http::unprocessable(std::move(errors), "Unknown zones").to_response();
  if (r.refused.empty()) return std::nullopt;
  for (const auto& o : r.refused) {
    const auto& s = given.at(o.index);
    const auto how = o.kind == "stop"      ? "the citizen wrote the opt-out word"
                     : o.kind == "blocked" ? "the citizen blocked the channel"
                     : o.kind == "admin"   ? "an admin removed the subscriber"
                                           : "the citizen's data was erased";
    errors.push_back({s.line ? "/line/" + std::to_string(s.line) : "/consent_at",
                      "opted out on " + o.opted_out_at + " (" + how +
                          "): subscribing again needs a consent_at later than that, given by "
                          "the citizen (README, \"Consent\")"});
  }
  return http::unprocessable(std::move(errors), "Some subscribers opted out").to_response();
}

http::Response bad_address(const std::string& address) {
  return http::bad_request("invalid-address", "'" + address + "' is not an E.164 number",
                           {http::in_parameter("address", "digits only, e.g. 393331234567")})
      .to_response();
}

http::Response upserted(const store::UpsertResult& r, int status) {
  return http::Response::json(status, boost::json::serialize(boost::json::object{
                                          {"added", r.added}, {"updated", r.updated}}));
}

}  // namespace

SubscribersApi::SubscribersApi(store::Database& db, const channels::ChannelSet& channels,
                               const privacy::Pseudonyms& pseudonyms)
    : db_(db), channels_(channels), pseudonyms_(pseudonyms) {}

http::Response SubscribersApi::count(const Call& call) const {
  const auto& channel = call.params.at("channel");
  if (auto problem = reject_channel(channels_, channel)) return problem->to_response();
  const auto counts = store::count_subscribers(db_, channel);
  boost::json::object by_language;
  long long total = 0;
  for (const auto& [language, n] : counts) {
    by_language[language] = n;
    total += n;
  }
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{
               {"channel", channel}, {"subscribers", total}, {"by_language", by_language}}));
}

http::Response SubscribersApi::add(const Call& call) const {
  const auto& request = call.request;
  const auto& channel = call.params.at("channel");
  if (auto problem = reject_channel(channels_, channel)) return problem->to_response();
  auto parsed = model::parse_json_body(request.body);
  if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
    return model::to_problem(*e).to_response();
  }
  auto read = subscriber_from_json(std::get<boost::json::value>(parsed));
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&read)) {
    return http::unprocessable(std::move(*errors), "The subscribers are not valid").to_response();
  }
  const auto& subscribers = std::get<std::vector<store::Subscriber>>(read);
  const auto result =
      store::upsert_subscribers(db_, channel, subscribers, call.caller.name, pseudonyms_);
  if (auto refused = refused_opt_outs(result, subscribers)) return std::move(*refused);
  return upserted(result, result.added ? 201 : 200);
}

http::Response SubscribersApi::import(const Call& call) const {
  auto response = import_csv(call);
  // The import's rows are freed by now, but glibc keeps freed memory in the arena of the
  // thread that used it: each HTTP thread would keep its largest import's worth.
  malloc_trim(0);
  return response;
}

http::Response SubscribersApi::import_csv(const Call& call) const {
  const auto& request = call.request;
  const auto& channel = call.params.at("channel");
  if (auto problem = reject_channel(channels_, channel)) return problem->to_response();
  auto read = subscribers_from_csv(request.body, max_import_rows);
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&read)) {
    return http::unprocessable(std::move(*errors), "The subscribers are not valid").to_response();
  }
  const auto& subscribers = std::get<std::vector<store::Subscriber>>(read);
  if (subscribers.empty()) {
    return http::unprocessable({{"/line/2", "the CSV has a header but no subscribers"}},
                               "The subscribers are not valid")
        .to_response();
  }
  const auto& actor = call.caller.name;
  const auto result = store::upsert_subscribers(db_, channel, subscribers, actor, pseudonyms_);
  if (auto refused = refused_opt_outs(result, subscribers)) return std::move(*refused);
  spdlog::info("event=subscribers.imported channel={} actor={} added={} updated={}", channel, actor,
               result.added, result.updated);
  return upserted(result, 200);
}

http::Response SubscribersApi::remove(const Call& call) const {
  const auto& address = call.params.at("address");
  const auto& channel = call.params.at("channel");
  if (auto problem = reject_channel(channels_, channel)) return problem->to_response();
  const auto phone = normalize_phone(address);
  if (!phone) return bad_address(address);
  const bool removed =
      store::remove_subscriber(db_, channel, *phone, call.caller.name, pseudonyms_);
  if (!removed) {
    return http::not_found(*phone + " is not subscribed to '" + channel + "'").to_response();
  }
  http::Response r;
  r.status = 204;
  return r;
}

http::Response SubscribersApi::resolve(const Call& call) const {
  const auto& pseudonym = call.params.at("pseudonym");
  if (!privacy::is_pseudonym(pseudonym)) {
    return http::bad_request("invalid-pseudonym", "'" + pseudonym + "' is not a pseudonym",
                             {http::in_parameter("pseudonym", "sub: and 32 hex digits")})
        .to_response();
  }
  const auto address = store::resolve_pseudonym(db_, pseudonym, call.caller.name);
  if (!address) {
    return http::not_found("no number is known for " + pseudonym + " (never named, or erased)")
        .to_response();
  }
  return http::Response::json(200, boost::json::serialize(boost::json::object{
                                       {"pseudonym", pseudonym}, {"address", *address}}));
}

http::Response SubscribersApi::erase(const Call& call) const {
  const auto& address = call.params.at("address");
  const auto& channel = call.params.at("channel");
  if (auto problem = reject_channel(channels_, channel)) return problem->to_response();
  const auto phone = normalize_phone(address);
  if (!phone) return bad_address(address);
  const auto e = store::erase_subscriber(db_, channel, *phone, call.caller.name, pseudonyms_);
  spdlog::info("event=subscriber.erased channel={} actor={} subscriber={}", channel,
               call.caller.name, e.pseudonym);
  return http::Response::json(
      200, boost::json::serialize(boost::json::object{{"subscriber", e.pseudonym},
                                                      {"was_subscribed", e.was_subscribed},
                                                      {"deliveries", e.deliveries},
                                                      {"inbound_items", e.inbound_items},
                                                      {"inbound_bodies", e.inbound_bodies},
                                                      {"conversations", e.conversations}}));
}

}  // namespace araldo::api
