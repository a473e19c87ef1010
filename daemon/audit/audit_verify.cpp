#include "daemon/audit/audit_verify.hpp"

#include "daemon/text/digest.hpp"

namespace araldo::audit {

std::string chain_hash(const std::string& previous_hash, const std::string& canonical) {
  return text::sha256_hex(previous_hash + "\n" + canonical);
}

ChainReport verify_chain(pqxx::connection& conn) {
  ChainReport report;
  std::string previous(64, '0');
  long long expected_seq = 1;
  constexpr int batch = 10'000;
  // In batches by seq, in one snapshot, so a long log never sits in memory at once.
  pqxx::read_transaction tx(conn);
  for (;;) {
    const auto rows = tx.exec_params(
        "SELECT seq, id, hash, araldo_audit_canonical(seq, at, actor, kind, alert_id,"
        "       delivery_id, detail)"
        "  FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
        expected_seq, batch);
    for (const auto& r : rows) {
      const auto seq = r[0].as<long long>();
      const auto id = r[1].as<long long>();
      const auto stored = r[2].as<std::string>();
      auto fail = [&](std::string problem) {
        report.ok = false;
        report.first_bad_seq = seq;
        report.first_bad_id = id;
        report.problem = std::move(problem);
        return report;
      };
      if (seq != expected_seq) {
        return fail("rows seq " + std::to_string(expected_seq) + " to " + std::to_string(seq - 1) +
                    " are missing (removed)");
      }
      const auto computed = chain_hash(previous, r[3].as<std::string>());
      if (computed != stored) {
        return fail("row seq " + std::to_string(seq) + " (id " + std::to_string(id) +
                    ") does not match its hash: it was changed, or inserted out of the chain");
      }
      previous = stored;
      report.head_hash = stored;
      ++report.rows;
      ++expected_seq;
    }
    if (static_cast<int>(rows.size()) < batch) break;
  }
  return report;
}

}  // namespace araldo::audit
