#include "daemon/audit/audit_verify.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <memory>

#include "daemon/audit/head_signer.hpp"
#include "daemon/store/database.hpp"

namespace araldo::audit {

std::optional<KeptHead> parse_kept_head(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  KeptHead h;
  try {
    std::size_t used = 0;
    h.size = std::stoull(text.substr(0, colon), &used);
    if (used != colon) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!merkle::from_hex(text.substr(colon + 1), h.root)) return std::nullopt;
  return h;
}

namespace {

merkle::Hash hash_of(const pqxx::field& f) {
  const pqxx::binarystring b(f);
  merkle::Hash h{};
  if (b.size() == h.size()) std::copy(b.data(), b.data() + b.size(), h.begin());
  return h;
}

struct Head {
  std::uint64_t size = 0;
  merkle::Hash root{};
  std::string signed_at;
  std::optional<std::string> public_key, signature;
};

}  // namespace

LogReport verify_log(pqxx::connection& conn, const VerifyOptions& options,
                     const std::vector<pqxx::connection*>& readers) {
  LogReport report;
  auto fail = [&](std::string problem, long long event_id = 0) {
    report.ok = false;
    report.problem = std::move(problem);
    report.bad_event_id = event_id;
    return report;
  };
  // One snapshot for everything, so a log growing meanwhile is checked as it was.
  store::Snapshot tx(conn);

  std::map<std::uint64_t, Head> heads;
  for (const auto& r : tx.exec("SELECT tree_size, root_hash, signed_at, public_key, signature"
                               "  FROM audit_heads ORDER BY tree_size")) {
    Head h;
    h.size = r[0].as<std::uint64_t>();
    h.root = hash_of(r[1]);
    h.signed_at = r[2].as<std::string>();
    if (!r[3].is_null()) h.public_key = r[3].as<std::string>();
    if (!r[4].is_null()) h.signature = r[4].as<std::string>();
    heads.emplace(h.size, std::move(h));
  }
  std::map<std::uint64_t, merkle::Hash> kept;
  for (const auto& k : options.kept_heads) kept[k.size] = k.root;

  merkle::Frontier frontier;
  auto check_size = [&]() -> std::optional<LogReport> {
    const auto n = frontier.size();
    if (auto h = heads.find(n); h != heads.end()) {
      const auto root = frontier.root();
      if (root != h->second.root) {
        return fail("tree head " + std::to_string(n) +
                    " does not match the leaves below it: the log or the head was rewritten");
      }
      if (h->second.signature) {
        if (options.public_key && h->second.public_key != options.public_key) {
          return fail("tree head " + std::to_string(n) + " is signed by another key (" +
                      h->second.public_key.value_or("none") + ")");
        }
        if (!verify_head_signature(h->second.public_key.value_or(""),
                                   head_message(n, root, h->second.signed_at),
                                   *h->second.signature)) {
          return fail("tree head " + std::to_string(n) + " has a signature that does not verify");
        }
        ++report.signed_heads;
      } else if (options.public_key) {
        return fail("tree head " + std::to_string(n) + " is not signed");
      }
      ++report.heads;
      report.tree_size = n;
      report.root = root;
    }
    if (auto k = kept.find(n); k != kept.end() && k->second != frontier.root()) {
      return fail("the kept head " + std::to_string(n) + ":" + merkle::hex(k->second) +
                  " is not a prefix of the log any more: it was rewritten");
    }
    return std::nullopt;
  };

  // Leaves are read in batches, each on the next of the snapshot's transactions, while
  // the batch before is checked: the database's work (the join, the entry text) then runs
  // on as many backends as there are readers, beside the hashing here.
  std::vector<pqxx::transaction_base*> txs{&tx};
  std::vector<std::unique_ptr<store::Snapshot>> shared;
  // A hot standby cannot export its snapshot: there, one connection reads everything.
  if (!readers.empty() && !tx.exec1("SELECT pg_is_in_recovery()")[0].as<bool>()) {
    const auto snapshot = tx.exec1("SELECT pg_export_snapshot()")[0].as<std::string>();
    for (auto* c : readers) {
      shared.push_back(std::make_unique<store::Snapshot>(*c));
      shared.back()->exec0("SET TRANSACTION SNAPSHOT " + shared.back()->quote(snapshot));
      txs.push_back(shared.back().get());
    }
  }
  const long long batch = std::max(1LL, options.batch);
  std::deque<std::future<pqxx::result>> reading;
  // Declared after the transactions: waits for every read still running before they go.
  struct Drain {
    std::deque<std::future<pqxx::result>>& reading;
    ~Drain() {
      for (auto& f : reading) {
        if (f.valid()) f.wait();
      }
    }
  } drain{reading};
  long long next_from = 0;
  auto read = [&](pqxx::transaction_base& t) {
    const auto from = next_from;
    next_from += batch;
    reading.push_back(std::async(std::launch::async, [&t, from, batch] {
      return t.exec_params(
          // Each leaf's event by its key (OFFSET 0 keeps the planner from turning this
          // into a scan of every event for every batch once the log is large).
          "SELECT l.seq, l.event_id, l.leaf_hash, e.id IS NOT NULL, e.entry"
          "  FROM audit_leaves l LEFT JOIN LATERAL ("
          "    SELECT e.id, araldo_audit_entry(e.id, e.at, e.actor, e.kind, e.alert_id,"
          "                                    e.delivery_id, e.detail) AS entry"
          "      FROM audit_events e WHERE e.id = l.event_id OFFSET 0) e ON true"
          " WHERE l.seq >= $1 AND l.seq < $2 ORDER BY l.seq",
          from, from + batch);
    }));
  };
  for (auto* t : txs) read(*t);
  for (std::size_t k = 0;; ++k) {
    const auto rows = reading.front().get();
    reading.pop_front();
    const bool last = static_cast<long long>(rows.size()) < batch;
    if (!last) read(*txs[k % txs.size()]);  // that transaction is free again
    for (const auto& r : rows) {
      const auto seq = r[0].as<std::uint64_t>();
      const auto event = r[1].as<long long>();
      if (seq != frontier.size()) {
        return fail("leaves " + std::to_string(frontier.size()) + " to " + std::to_string(seq - 1) +
                    " are missing (removed)");
      }
      if (!r[3].as<bool>()) {
        return fail(
            "event " + std::to_string(event) + " (leaf " + std::to_string(seq) + ") was removed",
            event);
      }
      const auto stored = hash_of(r[2]);
      if (merkle::leaf_hash(std::string_view(r[4].c_str(), r[4].size())) != stored) {
        return fail("event " + std::to_string(event) + " (leaf " + std::to_string(seq) +
                        ") was changed: it no longer matches its leaf",
                    event);
      }
      frontier.append(stored);
      ++report.leaves;
      if (auto bad = check_size()) return *bad;
    }
    if (last) break;
  }
  // Reads past the end may still run, one of them perhaps on `tx`, which is used below.
  for (auto& f : reading) f.wait();
  reading.clear();
  if (!heads.empty() && heads.rbegin()->first != frontier.size()) {
    return fail("tree head " + std::to_string(heads.rbegin()->first) + " covers " +
                std::to_string(heads.rbegin()->first) + " leaves, but only " +
                std::to_string(frontier.size()) + " exist: leaves were removed");
  }
  for (const auto& [size, root] : kept) {
    if (size > frontier.size()) {
      return fail("the kept head " + std::to_string(size) + " is larger than the log (" +
                  std::to_string(frontier.size()) + " leaves): the log was truncated");
    }
  }

  // Events that should be leaves but are not: written (or slipped in) before the last seal.
  // Every leaf's event exists (checked above) and is at most the last sealed one, so a
  // count says whether any is missing; only then is the first one looked for by name.
  const auto counts = tx.exec1(
      "SELECT count(*) FILTER (WHERE (e.xid, e.id) <= (h.last_xid, h.last_event_id)), count(*)"
      "  FROM audit_events e LEFT JOIN (SELECT last_xid, last_event_id FROM audit_heads"
      "                                  ORDER BY tree_size DESC LIMIT 1) h ON true");
  const auto sealed = counts[0].as<std::uint64_t>();
  if (sealed != report.leaves) {
    const auto stray = tx.exec(
        "SELECT e.id FROM audit_events e, (SELECT last_xid, last_event_id FROM audit_heads"
        "                                   ORDER BY tree_size DESC LIMIT 1) h"
        " WHERE (e.xid, e.id) <= (h.last_xid, h.last_event_id)"
        "   AND NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.event_id = e.id)"
        " ORDER BY e.id LIMIT 1");
    if (!stray.empty()) {
      const auto id = stray[0][0].as<long long>();
      return fail("event " + std::to_string(id) +
                      " is older than the last seal but not in the log: it was inserted afterwards",
                  id);
    }
  }
  report.unsealed = counts[1].as<long long>() - static_cast<long long>(report.leaves);
  return report;
}

std::vector<merkle::Hash> load_leaves(pqxx::connection& conn, std::uint64_t size) {
  pqxx::read_transaction tx(conn);
  std::vector<merkle::Hash> out;
  out.reserve(size);
  for (const auto& r :
       tx.exec_params("SELECT leaf_hash FROM audit_leaves WHERE seq < $1 ORDER BY seq",
                      static_cast<long long>(size))) {
    out.push_back(hash_of(r[0]));
  }
  return out;
}

}  // namespace araldo::audit
