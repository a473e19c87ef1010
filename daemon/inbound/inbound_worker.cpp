#include "daemon/inbound/inbound_worker.hpp"

#include <spdlog/spdlog.h>

#include "daemon/inbound/exchange.hpp"

namespace araldo::inbound {

InboundWorker::InboundWorker(store::Database& db, const channels::ChannelSet& channels,
                             metrics::Registry& metrics, const privacy::Pseudonyms& pseudonyms,
                             WorkerOptions options)
    : db_(db), channels_(channels), metrics_(metrics), pseudonyms_(pseudonyms), options_(options) {}

void InboundWorker::notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

long long InboundWorker::run_once() {
  const auto batch = store::process_inbound(
      db_, options_.batch,
      [&](const std::string& channel,
          const channels::InboundItem& item) -> std::optional<channels::InboundMeaning> {
        const auto* c = channels_.find(channel);
        if (!c || !c->inbound()) return std::nullopt;
        return c->inbound()->interpret(item);
      },
      options_.unmatched_retry, options_.unmatched_give_up, pseudonyms_);
  for (const auto& [kind, outcome] : batch.outcomes) {
    metrics_.inc("araldo_inbound_items_processed_total", {{"kind", kind}, {"outcome", outcome}});
  }
  answer_all(batch.answers);
  return batch.processed;
}

void InboundWorker::answer_all(const std::vector<store::PendingAnswer>& answers) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::vector<store::AnswerFate> fates;
  std::vector<channels::OutgoingRequest> requests;
  std::vector<std::pair<const store::PendingAnswer*, const channels::Channel*>> sent;
  for (const auto& a : answers) {
    const auto* c = channels_.find(a.channel);
    if (!c || !c->inbound()) continue;
    if (a.answer_by > 0 && now > a.answer_by) {
      // WhatsApp refuses free-form text 24 h after the citizen wrote (131047).
      fates.push_back({&a, "skipped", "the platform's reply window has closed"});
      continue;
    }
    auto request =
        a.press_id.empty() ? std::nullopt : c->inbound()->answer_press(a.press_id, a.text);
    if (!request) {
      request = a.buttons.empty() ? c->inbound()->answer(a.address, a.text)
                                  : c->inbound()->answer_with_buttons(a.address, a.text, a.buttons);
    }
    requests.push_back(std::move(*request));
    sent.emplace_back(&a, c);
  }
  const auto replies =
      send_all_and_wait(requests, std::chrono::seconds(15), options_.answers_in_flight);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const auto& [a, c] = sent[i];
    const auto outcome = c->classify(replies[i]);
    const bool ok = outcome.kind == channels::Outcome::Kind::delivered;
    metrics_.inc(
        "araldo_inbound_answers_total",
        {{"channel", a->channel}, {"outcome", std::string(channels::to_string(outcome.kind))}});
    if (!ok) {
      spdlog::warn("event=subscriber.answer_failed channel={} outcome={} reason=\"{}\"", a->channel,
                   channels::to_string(outcome.kind), outcome.reason);
    }
    fates.push_back({a, std::string(channels::to_string(outcome.kind)),
                     ok ? outcome.platform_id : outcome.reason});
  }
  if (!fates.empty()) store::audit_answers(db_, fates, pseudonyms_);
}

void InboundWorker::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    long long done = 0;
    try {
      done = run_once();
    } catch (const std::exception& e) {
      spdlog::error("event=inbound.batch_failed error=\"{}\"", e.what());
    }
    if (done >= options_.batch) continue;  // more may be waiting
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, options_.idle_wait, [&] { return pending_; });
    pending_ = false;
  }
}

}  // namespace araldo::inbound
