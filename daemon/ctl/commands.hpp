#pragma once
// araldoctl's commands against araldod's API. Each returns an exit status (exit_codes.hpp)
// and prints the answer as a table or as the server's JSON.
#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ctl/alert_input.hpp"
#include "daemon/ctl/api_client.hpp"
#include "daemon/ctl/exit_codes.hpp"

namespace araldo::ctl {

enum class Output { table, json };

struct Context {
  ApiClient& api;
  Output output;
  std::ostream& out;
  std::ostream& err;
};

struct SendOptions {
  AlertFlags alert;
  std::string idempotency_key;  // empty: a fresh one, so this command's own retries are safe
  bool wait = false;
  bool dry_run = false;  // POST /v1/alerts/preview: show what would be published, send nothing
  std::chrono::seconds wait_timeout{600};
  std::chrono::milliseconds poll{1000};
};

Exit send_alert(Context& c, const SendOptions& options);
Exit alert_status(Context& c, const std::string& id);
// GET /v1/alerts with `query` (already encoded), following `next` up to `pages` pages.
Exit list_alerts(Context& c, const std::string& query, int pages);
Exit cancel_alert(Context& c, const std::string& id);
// The two-person rule: another operator's key approves or rejects a held alert.
Exit approve_alert(Context& c, const std::string& id);
Exit reject_alert(Context& c, const std::string& id, const std::string& reason);
Exit retry_alert(Context& c, const std::string& id);
Exit retry_delivery(Context& c, const std::string& id);
Exit follow_up_alert(Context& c, const std::string& id, int after_minutes);

// The audit log verified by araldod (for an auditor without database access).
Exit verify_over_api(Context& c, const std::vector<std::string>& kept,
                     const std::string& public_key);

// GET /v1/audit/export?query (already encoded), streamed to `file` ("-" or empty: stdout).
Exit export_audit(Context& c, const std::string& query, const std::string& file);

Exit create_key(Context& c, const std::string& name, const std::string& role,
                const std::string& expires);
Exit list_keys(Context& c);
Exit revoke_key(Context& c, const std::string& name);

Exit count_subscribers(Context& c, const std::string& channel);
Exit add_subscriber(Context& c, const std::string& channel, const std::string& address,
                    const std::string& language, const std::string& consent_at);
Exit remove_subscriber(Context& c, const std::string& channel, const std::string& address);
// The number behind a pseudonym of the audit log (admin; audited).
Exit resolve_pseudonym(Context& c, const std::string& pseudonym);
// The number erased from the channel (GDPR art. 17); prints the pseudonym it became.
Exit erase_subscriber(Context& c, const std::string& channel, const std::string& address);
Exit import_subscribers(Context& c, const std::string& channel, const std::string& csv_file);

}  // namespace araldo::ctl
