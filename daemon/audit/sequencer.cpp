#include "daemon/audit/sequencer.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "daemon/audit/merkle.hpp"
#include "daemon/store/audit_log_store.hpp"

namespace araldo::audit {

Sequencer::Sequencer(std::optional<config::Secret> signing_key, int batch) : batch_(batch) {
  if (signing_key) signer_ = std::make_unique<HeadSigner>(signing_key->reveal());
}

Sequencer::~Sequencer() = default;

std::optional<std::string> Sequencer::public_key_hex() const {
  if (!signer_) return std::nullopt;
  return signer_->public_key_hex();
}

SealResult Sequencer::seal_once(store::Connection& conn) const {
  const auto outcome = store::seal_audit_events(
      conn, batch_,
      [&](const store::SealPoint& point, const std::vector<store::UnsealedEvent>& events,
          const std::string& signed_at) {
        merkle::Frontier frontier;
        if (point.tree_size > 0 &&
            !merkle::Frontier::restore(point.tree_size, point.frontier, frontier)) {
          throw std::runtime_error("audit head " + std::to_string(point.tree_size) +
                                   " has a damaged frontier: run araldoctl audit verify");
        }
        store::SealWrite seal;
        seal.leaf_hashes.reserve(events.size());
        for (const auto& e : events) {
          const auto leaf = merkle::leaf_hash(e.entry);
          seal.leaf_hashes.push_back(merkle::hex(leaf));
          frontier.append(leaf);
        }
        const auto root = frontier.root();
        seal.root_hash = merkle::hex(root);
        seal.frontier = frontier.peaks();
        if (signer_) {
          seal.public_key = signer_->public_key_hex();
          seal.signature = signer_->sign_hex(head_message(frontier.size(), root, signed_at));
        }
        return seal;
      });
  return {outcome.sealed, outcome.tree_size, outcome.had_lock};
}

void Sequencer::run(const config::Secret& dsn, std::chrono::milliseconds interval,
                    std::stop_token stop) {
  std::optional<store::Connection> conn;
  auto backoff = std::chrono::milliseconds(250);
  while (!stop.stop_requested()) {
    auto wait = interval;
    try {
      if (!conn) conn.emplace(dsn);
      const auto sealed = seal_once(*conn);
      backoff = std::chrono::milliseconds(250);
      if (sealed.sealed >= batch_) wait = std::chrono::milliseconds(0);  // more is waiting
      if (sealed.sealed > 0) {
        spdlog::debug("event=audit.sealed events={} tree_size={}", sealed.sealed, sealed.tree_size);
      }
    } catch (const std::exception& e) {
      spdlog::warn("event=audit.seal_failed retry_in_ms={} error=\"{}\"", backoff.count(),
                   e.what());
      conn.reset();
      wait = backoff;
      // Short: after a failover the seals should follow the new primary within seconds.
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2'000));
    }
    // Sleeps in short steps so a stop is noticed promptly.
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                             until - std::chrono::steady_clock::now()) +
                                             std::chrono::milliseconds(1)));
    }
  }
  // One last seal, so what this daemon wrote before stopping is in the log.
  try {
    if (conn) seal_once(*conn);
  } catch (const std::exception& e) {
    // Not lost: the next sequencer to run seals it.
    spdlog::warn("event=audit.final_seal_failed error=\"{}\"", e.what());
  }
}

}  // namespace araldo::audit
