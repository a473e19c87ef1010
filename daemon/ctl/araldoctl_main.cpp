// araldoctl: the command line for auditors (and, later, operators and cron).
//   araldoctl --database-url URL audit verify [--expect-head SIZE:ROOT ...] [--public-key HEX]
//   araldoctl --database-url URL audit prove --event ID [--size N]
//   araldoctl --database-url URL audit prove --from N1 [--to N2]
// Exit status: 0 the log is intact (or the proof holds), 1 it is not (what is wrong is
// named), 2 usage or connection error.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>

#include "daemon/audit/audit_verify.hpp"
#include "daemon/audit/merkle.hpp"
#include "daemon/store/audit_log_store.hpp"

namespace {

using namespace araldo;

boost::json::array hex_list(const std::vector<audit::merkle::Hash>& hashes) {
  boost::json::array out;
  for (const auto& h : hashes) out.emplace_back(audit::merkle::hex(h));
  return out;
}

int verify(store::Connection& conn, const config::Secret& url, int connections,
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
  if (!r.ok) {
    std::cout << "audit log BROKEN after " << r.leaves << " good leaf(s): " << r.problem << "\n";
    return 1;
  }
  std::cout << "audit log intact: " << r.leaves << " event(s) in " << r.heads << " tree head(s) ("
            << r.signed_heads << " signed), ";
  if (r.heads > 0) {
    std::cout << "head " << r.tree_size << ":" << audit::merkle::hex(r.root);
  } else {
    std::cout << "no tree head yet (is a daemon running to seal them?)";
  }
  std::cout << "; " << r.unsealed << " newer event(s) not sealed yet\n";
  if (!kept.empty()) std::cout << "every kept head is a prefix of the log\n";
  return 0;
}

int prove_inclusion(store::Connection& conn, long long event_id, std::uint64_t size) {
  const auto found = store::leaf_index(conn, event_id);
  if (!found) {
    std::cerr << "araldoctl: event " << event_id << " is not in the log (yet)\n";
    return 1;
  }
  const auto index = *found;
  if (size == 0) size = store::latest_tree_size(conn);
  if (index >= size) {
    std::cerr << "araldoctl: event " << event_id << " is leaf " << index << ", not in a tree of "
              << size << "\n";
    return 1;
  }
  const auto leaves = audit::load_leaves(conn, size);
  const auto proof = audit::merkle::inclusion_proof(leaves, index, size);
  const auto root = audit::merkle::root(leaves, size);
  const bool ok = audit::merkle::verify_inclusion(leaves[index], index, size, proof, root);
  std::cout << boost::json::serialize(
                   boost::json::object{{"event_id", event_id},
                                       {"leaf_index", index},
                                       {"leaf_hash", audit::merkle::hex(leaves[index])},
                                       {"tree_size", size},
                                       {"root", audit::merkle::hex(root)},
                                       {"inclusion_proof", hex_list(proof)},
                                       {"verified", ok}})
            << "\n";
  return ok ? 0 : 1;
}

int prove_consistency(store::Connection& conn, std::uint64_t from, std::uint64_t to) {
  if (to == 0) to = store::latest_tree_size(conn);
  if (from == 0 || from > to) {
    std::cerr << "araldoctl: need 0 < --from <= --to (the log has " << to << " leaves)\n";
    return 2;
  }
  const auto leaves = audit::load_leaves(conn, to);
  if (leaves.size() < to) {
    std::cerr << "araldoctl: the log has only " << leaves.size() << " leaves\n";
    return 1;
  }
  const auto proof = audit::merkle::consistency_proof(leaves, from, to);
  const auto old_root = audit::merkle::root(leaves, from),
             new_root = audit::merkle::root(leaves, to);
  const bool ok = audit::merkle::verify_consistency(from, to, old_root, new_root, proof);
  std::cout << boost::json::serialize(
                   boost::json::object{{"from_size", from},
                                       {"from_root", audit::merkle::hex(old_root)},
                                       {"to_size", to},
                                       {"to_root", audit::merkle::hex(new_root)},
                                       {"consistency_proof", hex_list(proof)},
                                       {"verified", ok}})
            << "\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"araldoctl: Araldo's command line for operators and auditors"};
  app.require_subcommand(1);
  std::string url;
  if (const char* env = std::getenv("ARALDO_DATABASE_URL")) url = env;
  app.add_option("--database-url", url, "libpq connection string (default: $ARALDO_DATABASE_URL)");

  auto* audit_cmd = app.add_subcommand("audit", "the audit log");
  audit_cmd->require_subcommand(1);
  auto* verify_cmd = audit_cmd->add_subcommand(
      "verify", "check every event against the Merkle tree and its signed heads");
  std::vector<std::string> kept;
  std::string public_key;
  verify_cmd->add_option("--expect-head", kept,
                         "SIZE:ROOT a previous run printed (or a published head): the log must "
                         "still contain it as a prefix (repeatable)");
  int connections = 2;
  verify_cmd
      ->add_option("--connections", connections,
                   "database connections reading the log at once, in one snapshot (the "
                   "database's work per event is what bounds a verify)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  verify_cmd->add_option("--public-key", public_key,
                         "the key every head must be signed by (araldod audit-public-key)");
  auto* prove_cmd = audit_cmd->add_subcommand(
      "prove", "an inclusion proof (--event) or a consistency proof (--from/--to)");
  long long event_id = 0;
  std::uint64_t size = 0, from = 0, to = 0;
  auto* event_opt = prove_cmd->add_option("--event", event_id, "the audit event's id");
  prove_cmd->add_option("--size", size, "the tree size to prove it in (default: the latest)");
  auto* from_opt = prove_cmd->add_option("--from", from, "the older tree size");
  prove_cmd->add_option("--to", to, "the newer tree size (default: the latest)");
  event_opt->excludes(from_opt);
  CLI11_PARSE(app, argc, argv);

  if (url.empty()) {
    std::cerr << "araldoctl: no database: give --database-url or set ARALDO_DATABASE_URL\n";
    return 2;
  }
  try {
    const config::Secret dsn(url);
    store::Connection conn(dsn);
    if (verify_cmd->parsed()) return verify(conn, dsn, connections, kept, public_key);
    if (event_opt->count() > 0) return prove_inclusion(conn, event_id, size);
    if (from_opt->count() > 0) return prove_consistency(conn, from, to);
    std::cerr << "araldoctl: audit prove needs --event ID or --from N\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "araldoctl: " << e.what() << "\n";
    return 2;
  }
}
