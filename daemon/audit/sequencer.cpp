#include "daemon/audit/sequencer.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <thread>

#include "daemon/audit/merkle.hpp"
#include "daemon/store/database.hpp"

namespace araldo::audit {

namespace {
// Taken by sequencers only, inside their own transaction: writers never see it.
constexpr long long sequencer_lock = 4716742361213257030;
}  // namespace

Sequencer::Sequencer(std::optional<config::Secret> signing_key, int batch) : batch_(batch) {
  if (signing_key) signer_ = std::make_unique<HeadSigner>(signing_key->reveal());
}

Sequencer::~Sequencer() = default;

std::optional<std::string> Sequencer::public_key_hex() const {
  if (!signer_) return std::nullopt;
  return signer_->public_key_hex();
}

SealResult Sequencer::seal_once(pqxx::connection& conn) const {
  SealResult result;
  pqxx::work tx(conn);
  if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", sequencer_lock)[0].as<bool>()) {
    return result;
  }
  result.had_lock = true;

  merkle::Frontier frontier;
  std::string last_xid = "0";
  long long last_event = 0;
  const auto head = tx.exec(
      "SELECT tree_size, last_xid::text, last_event_id, frontier FROM audit_heads"
      " ORDER BY tree_size DESC LIMIT 1");
  if (!head.empty()) {
    const auto size = head[0][0].as<long long>();
    last_xid = head[0][1].as<std::string>();
    last_event = head[0][2].as<long long>();
    const pqxx::binarystring peaks(head[0][3]);
    const std::string_view saved(reinterpret_cast<const char*>(peaks.data()), peaks.size());
    if (!merkle::Frontier::restore(static_cast<std::uint64_t>(size), saved, frontier)) {
      throw std::runtime_error("audit head " + std::to_string(size) +
                               " has a damaged frontier: run araldoctl audit verify");
    }
  }
  result.tree_size = frontier.size();

  // Everything after the last seal whose transaction is over: no later commit can add an
  // event before it, so the order is final.
  const auto rows = tx.exec_params(
      "SELECT e.id, e.xid::text, araldo_audit_entry(e.id, e.at, e.actor, e.kind, e.alert_id,"
      "                                             e.delivery_id, e.detail)"
      "  FROM audit_events e"
      " WHERE (e.xid, e.id) > ($1::xid8, $2::bigint)"
      "   AND e.xid < pg_snapshot_xmin(pg_current_snapshot())"
      " ORDER BY e.xid, e.id LIMIT $3",
      last_xid, last_event, batch_);
  if (rows.empty()) return result;

  boost::json::array leaves;
  leaves.reserve(rows.size());
  for (const auto& r : rows) {
    const auto leaf = merkle::leaf_hash(r[2].as<std::string>());
    leaves.push_back(boost::json::object{
        {"seq", frontier.size()}, {"id", r[0].as<long long>()}, {"h", merkle::hex(leaf)}});
    frontier.append(leaf);
    last_event = r[0].as<long long>();
    last_xid = r[1].as<std::string>();
  }
  tx.exec_params0(
      "INSERT INTO audit_leaves (seq, event_id, leaf_hash)"
      " SELECT (l->>'seq')::bigint, (l->>'id')::bigint, decode(l->>'h', 'hex')"
      "   FROM jsonb_array_elements($1::jsonb) l",
      boost::json::serialize(leaves));

  const auto signed_at = tx.exec1(
                               "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                               " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")[0]
                             .as<std::string>();
  const auto root = frontier.root();
  std::optional<std::string> public_key, signature;
  if (signer_) {
    public_key = signer_->public_key_hex();
    signature = signer_->sign_hex(head_message(frontier.size(), root, signed_at));
  }
  const auto peaks = frontier.peaks();
  tx.exec_params0(
      "INSERT INTO audit_heads (tree_size, root_hash, last_xid, last_event_id, frontier,"
      "                         signed_at, public_key, signature)"
      " VALUES ($1, decode($2, 'hex'), $3::xid8, $4, $5, $6, $7, $8)",
      static_cast<long long>(frontier.size()), merkle::hex(root), last_xid, last_event,
      pqxx::binarystring(peaks.data(), peaks.size()), signed_at, public_key, signature);
  tx.commit();
  result.sealed = static_cast<long long>(rows.size());
  result.tree_size = frontier.size();
  return result;
}

void Sequencer::run(const config::Secret& dsn, std::chrono::milliseconds interval,
                    std::stop_token stop) {
  std::unique_ptr<pqxx::connection> conn;
  auto backoff = std::chrono::milliseconds(250);
  while (!stop.stop_requested()) {
    auto wait = interval;
    try {
      if (!conn) conn = store::connect(dsn);
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
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
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
