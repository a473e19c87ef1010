#include "daemon/audit/audit_verify.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "daemon/audit/head_signer.hpp"
#include "daemon/store/audit_log_store.hpp"

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

namespace {}  // namespace

LogReport verify_log(store::Connection& conn, const VerifyOptions& options,
                     const std::vector<store::Connection*>& readers) {
  LogReport report;
  auto fail = [&](std::string problem, long long event_id = 0) {
    report.ok = false;
    report.problem = std::move(problem);
    report.bad_event_id = event_id;
    return report;
  };
  // One snapshot for everything, so a log growing meanwhile is checked as it was.
  store::AuditSnapshot log(conn, readers);

  std::map<std::uint64_t, store::StoredHead> heads;
  for (auto& h : log.heads()) heads.emplace(h.tree_size, std::move(h));
  std::map<std::uint64_t, merkle::Hash> kept;
  for (const auto& k : options.kept_heads) kept[k.size] = k.root;

  merkle::Frontier frontier;
  auto check_size = [&]() -> std::optional<LogReport> {
    const auto n = frontier.size();
    if (auto h = heads.find(n); h != heads.end()) {
      const auto root = frontier.root();
      if (root != merkle::from_bytes(h->second.root_hash)) {
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

  std::optional<LogReport> bad;
  log.read_leaves(options.batch, [&](const std::vector<store::StoredLeaf>& leaves) {
    for (const auto& leaf : leaves) {
      if (leaf.seq != frontier.size()) {
        bad = fail("leaves " + std::to_string(frontier.size()) + " to " +
                   std::to_string(leaf.seq - 1) + " are missing (removed)");
        return false;
      }
      if (!leaf.event_exists) {
        bad = fail("event " + std::to_string(leaf.event_id) + " (leaf " + std::to_string(leaf.seq) +
                       ") was removed",
                   leaf.event_id);
        return false;
      }
      const auto stored = merkle::from_bytes(leaf.leaf_hash);
      if (merkle::leaf_hash(leaf.entry) != stored) {
        bad = fail("event " + std::to_string(leaf.event_id) + " (leaf " + std::to_string(leaf.seq) +
                       ") was changed: it no longer matches its leaf",
                   leaf.event_id);
        return false;
      }
      frontier.append(stored);
      ++report.leaves;
      if ((bad = check_size())) return false;
    }
    return true;
  });
  if (bad) return *bad;
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
  const auto [sealed, total] = log.event_counts();
  if (sealed != report.leaves) {
    if (const auto id = log.first_unsealed_before_last_seal()) {
      return fail("event " + std::to_string(*id) +
                      " is older than the last seal but not in the log: it was inserted afterwards",
                  *id);
    }
  }
  report.unsealed = total - static_cast<long long>(report.leaves);
  return report;
}

std::vector<merkle::Hash> load_leaves(store::Connection& conn, std::uint64_t size) {
  std::vector<merkle::Hash> out;
  out.reserve(size);
  for (const auto& h : store::leaf_hashes(conn, size)) out.push_back(merkle::from_bytes(h));
  return out;
}

}  // namespace araldo::audit
