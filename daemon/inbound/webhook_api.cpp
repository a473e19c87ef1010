#include "daemon/inbound/webhook_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>

#include "daemon/http/problem.hpp"
#include "daemon/store/inbound_store.hpp"

namespace araldo::inbound {

WebhookApi::WebhookApi(store::Database& db, const channels::ChannelSet& channels,
                       metrics::Registry& metrics, RefusalTally& refusals,
                       ReplayWindow replay_window, std::function<void()> new_items)
    : db_(db),
      channels_(channels),
      metrics_(metrics),
      refusals_(refusals),
      replay_window_(replay_window),
      new_items_(std::move(new_items)) {}

const channels::Inbound* WebhookApi::inbound_of(const std::string& channel) const {
  const auto* c = channels_.find(channel);
  return c ? c->inbound() : nullptr;
}

http::Response WebhookApi::verify(const api::Call& call) {
  const auto& channel = call.params.at("channel");
  const auto* inbound = inbound_of(channel);
  if (!inbound) {
    return http::not_found("channel '" + channel + "' takes no webhooks").to_response();
  }
  std::map<std::string, std::string> query;
  if (auto url = boost::urls::parse_origin_form(call.request.target)) {
    for (const auto& p : url->params()) query[p.key] = p.value;
  }
  const auto answer = inbound->handshake(query);
  metrics_.inc("araldo_webhook_notifications_total",
               {{"channel", channel},
                {"kind", "handshake"},
                {"verdict", answer.status == 200 ? "accepted" : "refused"}});
  if (answer.status != 200) {
    spdlog::warn("event=webhook.handshake_refused channel={} status={}", channel, answer.status);
    return http::Problem{answer.status,
                         "webhook-handshake-refused",
                         "The webhook handshake was refused",
                         answer.body,
                         {}}
        .to_response();
  }
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = answer.body;  // hub.challenge, echoed verbatim
  return r;
}

void WebhookApi::count_items(const std::string& channel,
                             const std::vector<channels::InboundItem>& items,
                             const std::string& verdict) {
  std::map<std::string, long long> by_kind;
  for (const auto& i : items) ++by_kind[i.kind];
  for (const auto& [kind, n] : by_kind) {
    metrics_.inc("araldo_webhook_notifications_total",
                 {{"channel", channel}, {"kind", kind}, {"verdict", verdict}},
                 static_cast<double>(n));
  }
}

http::Response WebhookApi::receive(const api::Call& call) {
  const auto& channel = call.params.at("channel");
  const auto* inbound = inbound_of(channel);
  if (!inbound) {
    return http::not_found("channel '" + channel + "' takes no webhooks").to_response();
  }
  auto received = inbound->receive(call.request.headers, call.request.body);
  if (const auto* refused = std::get_if<channels::Refusal>(&received)) {
    metrics_.inc("araldo_webhook_notifications_total",
                 {{"channel", channel}, {"kind", "body"}, {"verdict", refused->verdict}});
    spdlog::warn("event=webhook.refused channel={} verdict={} bytes={}", channel, refused->verdict,
                 call.request.body.size());
    refusals_.count(channel, refused->verdict);
    return http::Problem{refused->status,
                         "webhook-" + refused->verdict,
                         "The webhook was refused",
                         refused->detail,
                         {}}
        .to_response();
  }
  auto screened = screen_replays(std::get<std::vector<channels::InboundItem>>(std::move(received)),
                                 std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count(),
                                 replay_window_);
  if (!screened.too_old.empty()) {
    count_items(channel, screened.too_old, "too_old");
    spdlog::warn("event=webhook.replay_refused channel={} items={} window_days={}", channel,
                 screened.too_old.size(), replay_window_.length.count() / 86400);
  }
  const auto& items = screened.fresh;
  // Nothing but replays: the body (a citizen's number, their words) is not kept either.
  if (items.empty() && !screened.too_old.empty()) {
    return http::Response::json(200, R"({"ok":true})");
  }
  // Stored before answering: a 200 promises the platform it need not send this again. A
  // replay is answered 200 as well: sending it again would change nothing either.
  const auto stored = store::store_inbound(db_, channel, call.request.body, items);
  count_items(channel, items, "accepted");
  if (stored.duplicate > 0) {
    metrics_.inc("araldo_webhook_duplicates_total", {{"channel", channel}},
                 static_cast<double>(stored.duplicate));
  }
  if (stored.fresh > 0) new_items_();
  return http::Response::json(200, R"({"ok":true})");
}

}  // namespace araldo::inbound
