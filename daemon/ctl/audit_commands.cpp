#include "daemon/ctl/audit_commands.hpp"

#include <boost/json.hpp>
#include <iostream>

#include "daemon/audit/audit_verify.hpp"
#include "daemon/audit/head_json.hpp"
#include "daemon/audit/head_signer.hpp"
#include "daemon/audit/merkle.hpp"
#include "daemon/store/audit_log_store.hpp"

namespace araldo::ctl {
namespace {

boost::json::array hex_list(const std::vector<audit::merkle::Hash>& hashes) {
  boost::json::array out;
  for (const auto& h : hashes) out.emplace_back(audit::merkle::hex(h));
  return out;
}

}  // namespace

int verify_audit_log(store::Connection& conn, const config::Secret& url, int connections,
                     const std::vector<std::string>& kept, const std::string& public_key) {
  audit::VerifyOptions options;
  if (!public_key.empty()) options.public_key = public_key;
  for (const auto& k : kept) {
    auto head = audit::parse_kept_head(k);
    if (!head) {
      std::cerr << "araldoctl: --expect-head: expected SIZE:ROOT (64 hex digits), got " << k
                << "\n";
      return 2;
    }
    options.kept_heads.push_back(*head);
  }
  std::vector<store::Connection> extra;
  extra.reserve(static_cast<std::size_t>(connections));
  std::vector<store::Connection*> readers;
  for (int i = 1; i < connections; ++i) {
    extra.emplace_back(url);
    readers.push_back(&extra.back());
  }
  const auto r = audit::verify_log(conn, options, readers);
  return print_verification({r.ok, r.problem, r.leaves, r.heads, r.signed_heads, r.tree_size,
                             audit::merkle::hex(r.root), r.unsealed, !kept.empty()});
}

int print_verification(const VerificationSummary& r) {
  if (!r.ok) {
    std::cout << "audit log BROKEN after " << r.leaves << " good leaf(s): " << r.problem << "\n";
    return 1;
  }
  std::cout << "audit log intact: " << r.leaves << " event(s) in " << r.heads << " tree head(s) ("
            << r.signed_heads << " signed), ";
  if (r.heads > 0) {
    std::cout << "head " << r.tree_size << ":" << r.root;
  } else {
    std::cout << "no tree head yet (is a daemon running to seal them?)";
  }
  std::cout << "; " << r.unsealed << " newer event(s) not sealed yet\n";
  if (r.kept_given) std::cout << "every kept head is a prefix of the log\n";
  return 0;
}

int print_audit_head(store::Connection& conn, bool json) {
  const auto head = store::latest_head(conn);
  if (!head) {
    std::cerr << "araldoctl: no tree head yet (is a daemon running to seal the log?)\n";
    return 1;
  }
  const auto root = audit::merkle::from_bytes(head->root_hash);
  const auto kept = std::to_string(head->tree_size) + ":" + audit::merkle::hex(root);
  if (json) {
    auto o = audit::head_json(*head);
    o["head"] = kept;
    std::cout << boost::json::serialize(o) << "\n";
  } else {
    std::cout << kept << "  signed " << head->signed_at
              << (head->signature ? "" : "  (unsigned: no audit.signing_key)") << "\n";
  }
  return 0;
}

namespace {

// The published head of `size` leaves (0: the latest), its signature checked: against the
// pinned key when one is given (a head signed by any other key, or unsigned, is refused),
// else against the key it names. Prints why and returns nullopt when it cannot be used.
std::optional<std::pair<store::StoredHead, audit::merkle::Hash>> checked_head(
    store::Connection& conn, std::uint64_t size, const std::string& public_key) {
  const auto head = size == 0 ? store::latest_head(conn) : store::head_of_size(conn, size);
  if (!head) {
    std::cerr << "araldoctl: "
              << (size == 0 ? std::string("no tree head yet (is a daemon running to seal it?)")
                            : "no head of size " + std::to_string(size) +
                                  " was published (the latest has " +
                                  std::to_string(store::latest_tree_size(conn)) +
                                  " leaves; GET /public/audit/heads lists them all)")
              << "\n";
    return std::nullopt;
  }
  const auto root = audit::merkle::from_bytes(head->root_hash);
  if (!public_key.empty() && head->public_key != public_key) {
    std::cerr << "araldoctl: the head of size " << head->tree_size << " is "
              << (head->public_key ? "signed by " + *head->public_key : std::string("unsigned"))
              << ", not by the pinned key " << public_key << "\n";
    return std::nullopt;
  }
  if (head->signature && head->public_key &&
      !audit::verify_head_signature(*head->public_key,
                                    audit::head_message(head->tree_size, root, head->signed_at),
                                    *head->signature)) {
    std::cerr << "araldoctl: the signature of the head of size " << head->tree_size
              << " does not verify\n";
    return std::nullopt;
  }
  return std::make_pair(*head, root);
}

}  // namespace

int prove_inclusion(store::Connection& conn, long long event_id, std::uint64_t size,
                    const std::string& public_key) {
  const auto found = store::leaf_index(conn, event_id);
  if (!found) {
    std::cerr << "araldoctl: event " << event_id << " is not in the log (yet)\n";
    return 1;
  }
  const auto head = checked_head(conn, size, public_key);
  if (!head) return 1;
  const auto& [signed_head, root] = *head;
  size = signed_head.tree_size;
  const auto index = *found;
  if (index >= size) {
    std::cerr << "araldoctl: event " << event_id << " is leaf " << index << ", not in a tree of "
              << size << "\n";
    return 1;
  }
  const auto leaves = audit::load_leaves(conn, size);
  if (leaves.size() < size) {
    std::cerr << "araldoctl: the log has only " << leaves.size() << " leaves\n";
    return 1;
  }
  const auto proof = audit::merkle::inclusion_proof(leaves, index, size);
  // Checked against the signed head's root, never one recomputed from the same rows.
  const bool ok = audit::merkle::verify_inclusion(leaves[index], index, size, proof, root);
  std::cout << boost::json::serialize(
                   boost::json::object{{"event_id", event_id},
                                       {"leaf_index", index},
                                       {"leaf_hash", audit::merkle::hex(leaves[index])},
                                       {"tree_size", size},
                                       {"root", audit::merkle::hex(root)},
                                       {"head", audit::head_json(signed_head)},
                                       {"inclusion_proof", hex_list(proof)},
                                       {"verified", ok}})
            << "\n";
  return ok ? 0 : 1;
}

int prove_consistency(store::Connection& conn, std::uint64_t from, std::uint64_t to,
                      const std::string& public_key) {
  const auto newer = checked_head(conn, to, public_key);
  if (!newer) return 1;
  to = newer->first.tree_size;
  if (from == 0 || from > to) {
    std::cerr << "araldoctl: need 0 < --from <= --to (the log has " << to << " leaves)\n";
    return 2;
  }
  const auto older = checked_head(conn, from, public_key);
  if (!older) return 1;
  const auto leaves = audit::load_leaves(conn, to);
  if (leaves.size() < to) {
    std::cerr << "araldoctl: the log has only " << leaves.size() << " leaves\n";
    return 1;
  }
  const auto proof = audit::merkle::consistency_proof(leaves, from, to);
  const bool ok = audit::merkle::verify_consistency(from, to, older->second, newer->second, proof);
  std::cout << boost::json::serialize(
                   boost::json::object{{"from_size", from},
                                       {"from_root", audit::merkle::hex(older->second)},
                                       {"to_size", to},
                                       {"to_root", audit::merkle::hex(newer->second)},
                                       {"from_head", audit::head_json(older->first)},
                                       {"to_head", audit::head_json(newer->first)},
                                       {"consistency_proof", hex_list(proof)},
                                       {"verified", ok}})
            << "\n";
  return ok ? 0 : 1;
}

}  // namespace araldo::ctl
