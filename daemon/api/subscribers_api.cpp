#include "daemon/api/subscribers_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <optional>

#include "daemon/api/auth.hpp"
#include "daemon/api/subscriber_input.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/store/subscriber_store.hpp"

namespace araldo::api {
namespace {

using http::Problem;

bool has_media_type(const http::Request& request, std::string_view wanted) {
  const auto value = request.headers.find("Content-Type");
  if (!value) return false;
  auto media = value->substr(0, value->find(';'));
  media = media.substr(0, media.find_last_not_of(" \t") + 1);
  return http::iequals(media, wanted);
}

// Authenticates, then checks the channel takes subscribers. Returns the actor or the
// problem to answer.
std::variant<std::string, Problem> admit(store::Database& db, const channels::ChannelSet& set,
                                         const http::Request& request, const std::string& channel) {
  auto who = authenticate(db, request);
  if (std::holds_alternative<Problem>(who)) return who;
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
  return who;
}

http::Response upserted(const store::UpsertResult& r, int status) {
  return http::Response::json(status, boost::json::serialize(boost::json::object{
                                          {"added", r.added}, {"updated", r.updated}}));
}

template <typename Fn>
http::Response guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const store::DatabaseUnavailable&) {
    return http::service_unavailable("the database is unavailable; nothing was changed")
        .to_response();
  } catch (const store::InvalidSubscriberValue& e) {
    // A consent time PostgreSQL cannot read (2026-02-30): the shape check let it by.
    return http::unprocessable({{"/consent_at", std::string("not a valid time: ") + e.what()}})
        .to_response();
  }
}

}  // namespace

SubscribersApi::SubscribersApi(store::Database& db, const channels::ChannelSet& channels)
    : db_(db), channels_(channels) {}

http::Response SubscribersApi::count(const http::Request& request,
                                     const std::string& channel) const {
  return guarded([&] {
    auto who = admit(db_, channels_, request, channel);
    if (auto* p = std::get_if<Problem>(&who)) return p->to_response();
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
  });
}

http::Response SubscribersApi::add(const http::Request& request, const std::string& channel) const {
  return guarded([&] {
    auto who = admit(db_, channels_, request, channel);
    if (auto* p = std::get_if<Problem>(&who)) return p->to_response();
    if (!has_media_type(request, "application/json")) {
      return Problem{415,
                     "unsupported-media-type",
                     "Unsupported media type",
                     "send the subscriber as 'Content-Type: application/json'",
                     {}}
          .to_response();
    }
    auto parsed = model::parse_json_body(request.body);
    if (auto* e = std::get_if<model::JsonSyntaxError>(&parsed)) {
      return http::bad_request("malformed-json", e->detail).to_response();
    }
    auto read = subscriber_from_json(std::get<boost::json::value>(parsed));
    if (auto* errors = std::get_if<std::vector<http::FieldError>>(&read)) {
      return http::unprocessable(std::move(*errors)).to_response();
    }
    const auto& subscribers = std::get<std::vector<store::Subscriber>>(read);
    const auto result =
        store::upsert_subscribers(db_, channel, subscribers, std::get<std::string>(who));
    return upserted(result, result.added ? 201 : 200);
  });
}

http::Response SubscribersApi::import(const http::Request& request,
                                      const std::string& channel) const {
  return guarded([&] {
    auto who = admit(db_, channels_, request, channel);
    if (auto* p = std::get_if<Problem>(&who)) return p->to_response();
    if (!has_media_type(request, "text/csv")) {
      return Problem{415,
                     "unsupported-media-type",
                     "Unsupported media type",
                     "send the subscribers as 'Content-Type: text/csv' with the header line "
                     "address,language,consent_at",
                     {}}
          .to_response();
    }
    auto read = subscribers_from_csv(request.body, max_import_rows);
    if (auto* errors = std::get_if<std::vector<http::FieldError>>(&read)) {
      return http::unprocessable(std::move(*errors)).to_response();
    }
    const auto& subscribers = std::get<std::vector<store::Subscriber>>(read);
    if (subscribers.empty()) {
      return http::unprocessable({{"/line/2", "the CSV has a header but no subscribers"}})
          .to_response();
    }
    const auto& actor = std::get<std::string>(who);
    const auto result = store::upsert_subscribers(db_, channel, subscribers, actor);
    spdlog::info("event=subscribers.imported channel={} actor={} added={} updated={}", channel,
                 actor, result.added, result.updated);
    return upserted(result, 200);
  });
}

http::Response SubscribersApi::remove(const http::Request& request, const std::string& channel,
                                      const std::string& address) const {
  return guarded([&] {
    auto who = admit(db_, channels_, request, channel);
    if (auto* p = std::get_if<Problem>(&who)) return p->to_response();
    const auto phone = normalize_phone(address);
    if (!phone) {
      return http::bad_request("invalid-address", "'" + address + "' is not an E.164 number",
                               {{"address", "digits only, e.g. 393331234567"}})
          .to_response();
    }
    const bool removed = store::remove_subscriber(db_, channel, *phone, std::get<std::string>(who));
    if (!removed) {
      return http::not_found(*phone + " is not subscribed to '" + channel + "'").to_response();
    }
    http::Response r;
    r.status = 204;
    return r;
  });
}

}  // namespace araldo::api
