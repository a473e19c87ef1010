// araldoctl: the command line for operators, cron jobs, admins and auditors.
// Against araldod's API (--server, key from ARALDO_KEY or a key file):
//   araldoctl send --file alert.yaml [--idempotency-key K] [--wait | --dry-run]
//   araldoctl status|cancel|approve ID;  araldoctl reject ID --reason R;  araldoctl retry ID |
//   araldoctl follow-up ID [--after MINUTES];  araldoctl inbox list|show|assign|reply ...;
//   --delivery N araldoctl keys create NAME --role R | list | revoke NAME araldoctl subscribers
//   count|add|remove|import CHANNEL ... araldoctl schedules create FILE | list |
//   show|enable|disable|delete ID
// Against the database, as an auditor (--database-url):
//   araldoctl audit verify [--expect-head SIZE:ROOT ...] [--public-key HEX] | audit head
//   araldoctl audit prove --event ID [--size N] | --from N1 [--to N2]
// Against araldod, as an auditor: araldoctl audit export [--format csv|jsonl] [--file F]
// Against araldod, as anyone (no key): araldoctl audit watch --keep FILE [--public-key HEX]
// Exit status (daemon/ctl/exit_codes.hpp): 0 done, 1 refused (or the log is broken),
// 2 usage, 3 some deliveries failed, 4 server unreachable, 5 timed out.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "daemon/ctl/api_client.hpp"
#include "daemon/ctl/audit_commands.hpp"
#include "daemon/ctl/audit_watch.hpp"
#include "daemon/ctl/client_settings.hpp"
#include "daemon/ctl/commands.hpp"
#include "daemon/ctl/inbox_commands.hpp"
#include "daemon/ctl/schedule_commands.hpp"
#include "daemon/ctl/zone_commands.hpp"

namespace {

using namespace araldo;

int run_audit(CLI::App* verify_cmd, CLI::App* head_cmd, bool json, CLI::Option* event_opt,
              CLI::Option* from_opt, const std::string& url, int connections,
              const std::vector<std::string>& kept, const std::string& public_key,
              bool no_pinned_key, long long event_id, std::uint64_t size, std::uint64_t from,
              std::uint64_t to) {
  if (verify_cmd->parsed() && public_key.empty() && !no_pinned_key) {
    // Without a key of its own, verify could only check each head against the key that
    // head names: whoever can rewrite the database can sign a rewritten log with theirs.
    std::cerr << "araldoctl: audit verify needs the key the log must be signed by: "
                 "--public-key, ARALDO_AUDIT_PUBLIC_KEY or audit_public_key: in the config "
                 "file (araldod audit-public-key prints it); --no-pinned-key checks each head "
                 "against the key it names, which proves nothing against a rewrite\n";
    return ctl::Exit::usage;
  }
  if (url.empty()) {
    std::cerr << "araldoctl: no database: give --database-url or set ARALDO_DATABASE_URL\n";
    return ctl::Exit::usage;
  }
  try {
    const config::Secret dsn(url);
    store::Connection conn(dsn);
    if (verify_cmd->parsed()) {
      return ctl::verify_audit_log(conn, dsn, connections, kept, public_key);
    }
    if (head_cmd->parsed()) return ctl::print_audit_head(conn, json);
    if (event_opt->count() > 0) return ctl::prove_inclusion(conn, event_id, size, public_key);
    if (from_opt->count() > 0) return ctl::prove_consistency(conn, from, to, public_key);
    std::cerr << "araldoctl: audit prove needs --event ID or --from N\n";
    return ctl::Exit::usage;
  } catch (const store::DatabaseUnavailable& e) {
    std::cerr << "araldoctl: " << e.what() << "\n";
    return ctl::Exit::unreachable;
  } catch (const std::exception& e) {
    std::cerr << "araldoctl: " << e.what() << "\n";
    return ctl::Exit::usage;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"araldoctl: Araldo's command line for operators, cron jobs, admins and auditors"};
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done; 1 refused by the server (or the audit log is broken); 2 usage; "
      "3 some deliveries failed, expired or were cancelled (--wait); 4 server unreachable "
      "(after retrying a 503 for --retry-for seconds); 5 timed out (--wait).");
  ctl::SettingsFlags settings_flags;
  app.add_option("--server", settings_flags.server, "araldod's URL (env ARALDO_SERVER)");
  app.add_option("--key-file", settings_flags.key_file,
                 "file holding the API key, readable only by you (env ARALDO_KEY_FILE; or the "
                 "key itself in ARALDO_KEY)");
  app.add_option("--config", settings_flags.config,
                 "YAML with server: and key_file: (env ARALDO_CTL_CONFIG; default "
                 "~/.config/araldo/araldoctl.yaml)");
  std::string output = "table";
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  int retry_for = 60;
  app.add_option("--retry-for", retry_for,
                 "seconds to keep retrying while the server answers 503 or cannot be reached")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();

  // send
  ctl::SendOptions send;
  auto* send_cmd =
      app.add_subcommand("send", "send an alert (from a JSON or YAML file and/or flags)");
  auto& a = send.alert;
  send_cmd->add_option("-f,--file", a.file, "the alert as JSON or YAML (- for stdin)");
  send_cmd->add_option("--headline", a.headline);
  send_cmd->add_option("--description", a.description);
  send_cmd->add_option("--instruction", a.instruction);
  send_cmd->add_option("--event", a.event);
  send_cmd->add_option("--category", a.categories, "CAP category (repeatable)");
  send_cmd->add_option("--severity", a.severity, "Extreme, Severe, Moderate, Minor, Unknown");
  send_cmd->add_option("--urgency", a.urgency, "Immediate, Expected, Future, Past, Unknown");
  send_cmd->add_option("--certainty", a.certainty, "Observed, Likely, Possible, Unlikely, Unknown");
  send_cmd->add_option("--area", a.area);
  send_cmd->add_option("--language", a.language);
  send_cmd->add_option("--sender", a.sender);
  send_cmd->add_option("--expires", a.expires, "e.g. 2026-03-14T18:00:00+01:00");
  send_cmd->add_option("--web", a.web);
  send_cmd->add_option("--send-at", a.send_at,
                       "not before this time (a scheduled notice), e.g. 2026-12-02T12:00:00+01:00");
  send_cmd->add_option("--expires-after", a.expires_after,
                       "valid for this long from the send time, e.g. PT2H, P1D");
  send_cmd->add_option("--channel", a.channels, "a channel to send to (repeatable; default all)");
  send_cmd->add_option("--idempotency-key", send.idempotency_key,
                       "the same key (and body) within 24 h sends nothing again: give one per "
                       "slot in a crontab, e.g. siren-test-2026-12");
  send_cmd->add_flag("--wait", send.wait, "follow the alert until every delivery is final");
  send_cmd->add_flag("--dry-run", send.dry_run,
                     "show what every channel would publish, and every problem; send nothing");
  int wait_timeout = 600;
  send_cmd->add_option("--wait-timeout", wait_timeout, "seconds --wait waits at most")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();

  std::string id, name, role, expires, channel, address, language, consent_at, csv_file;
  auto* status_cmd = app.add_subcommand("status", "an alert and its deliveries");
  status_cmd->add_option("id", id, "the alert's id")->required();
  auto* list_cmd = app.add_subcommand("list", "alerts, newest first (JSON Lines with -o json)");
  std::string since, until, submitted_by, list_channel, list_state;
  std::vector<std::string> list_severities;
  int list_limit = 50, list_pages = 1;
  list_cmd->add_option("--since", since, "accepted at or after, e.g. 2026-11-01T00:00:00Z");
  list_cmd->add_option("--until", until, "accepted before");
  list_cmd->add_option("--severity", list_severities, "repeatable");
  list_cmd->add_option("--submitted-by", submitted_by, "the key's name that sent it");
  list_cmd->add_option("--channel", list_channel);
  list_cmd->add_option("--state", list_state, "scheduled or active");
  list_cmd->add_option("--limit", list_limit, "per page")->check(CLI::Range(1, 500));
  list_cmd->add_option("--pages", list_pages, "pages to follow")->check(CLI::Range(1, 10000));
  auto* cancel_cmd = app.add_subcommand("cancel", "stop what an alert has not sent yet");
  cancel_cmd->add_option("id", id, "the alert's id")->required();
  auto* approve_cmd =
      app.add_subcommand("approve", "release an alert held for a second operator's approval");
  approve_cmd->add_option("id", id, "the alert's id")->required();
  std::string reject_reason;
  auto* reject_cmd = app.add_subcommand("reject", "stop an alert held for approval, saying why");
  reject_cmd->add_option("id", id, "the alert's id")->required();
  reject_cmd->add_option("--reason", reject_reason, "why (the author and auditors read it)")
      ->required();
  auto* retry_cmd = app.add_subcommand("retry", "queue failed deliveries again");
  std::string delivery;
  auto* retry_alert_opt = retry_cmd->add_option("id", id, "the alert whose failed deliveries");
  auto* retry_delivery_opt = retry_cmd->add_option("--delivery", delivery, "one delivery's id");
  retry_alert_opt->excludes(retry_delivery_opt);
  int follow_up_after = 30;
  auto* follow_up_cmd = app.add_subcommand(
      "follow-up", "send an alert that asked for an answer again to those who gave none");
  follow_up_cmd->add_option("id", id, "the alert's id")->required();
  follow_up_cmd->add_option("--after", follow_up_after, "minutes since their last message")
      ->check(CLI::Range(0, 10080));

  auto* keys_cmd = app.add_subcommand("keys", "API keys (admin)");
  keys_cmd->require_subcommand(1);
  auto* key_create = keys_cmd->add_subcommand("create", "create a key; it is printed once");
  key_create->add_option("name", name)->required();
  key_create->add_option("--role", role, "operator, scheduler, auditor or admin")
      ->required()
      ->check(CLI::IsMember({"operator", "scheduler", "auditor", "admin"}));
  key_create->add_option("--expires", expires, "e.g. 2027-01-31T23:59:59+01:00");
  auto* key_list = keys_cmd->add_subcommand("list", "every key (never the key itself)");
  auto* key_revoke = keys_cmd->add_subcommand("revoke", "revoke a key");
  key_revoke->add_option("name", name)->required();

  auto* sched_cmd = app.add_subcommand("schedules", "recurring notices (scheduler, admin)");
  sched_cmd->require_subcommand(1);
  std::string schedule_file;
  auto* sched_create = sched_cmd->add_subcommand(
      "create", "create from a JSON or YAML file (- for stdin); shows the next occurrences");
  sched_create->add_option("file", schedule_file)->required();
  auto* sched_list = sched_cmd->add_subcommand("list", "the schedules this key may see");
  auto* sched_show = sched_cmd->add_subcommand("show", "one schedule and its recent occurrences");
  auto* sched_enable = sched_cmd->add_subcommand("enable", "resume from the next occurrence");
  auto* sched_disable = sched_cmd->add_subcommand("disable", "send nothing until enabled");
  auto* sched_delete = sched_cmd->add_subcommand("delete", "stop for good (kept for auditors)");
  for (auto* sub : {sched_show, sched_enable, sched_disable, sched_delete}) {
    sub->add_option("id", id, "the schedule's id")->required();
  }

  auto* subs_cmd = app.add_subcommand("subscribers", "a subscription channel's subscribers");
  subs_cmd->require_subcommand(1);
  auto* subs_count = subs_cmd->add_subcommand("count", "how many, by language");
  subs_count->add_option("channel", channel)->required();
  auto* subs_add = subs_cmd->add_subcommand("add", "add or update one (admin)");
  subs_add->add_option("channel", channel)->required();
  subs_add->add_option("address", address, "the number, e.g. +393331234567")->required();
  subs_add->add_option("--language", language)->required();
  subs_add->add_option("--consent-at", consent_at, "when they agreed");
  auto* subs_remove = subs_cmd->add_subcommand("remove", "remove one (admin)");
  subs_remove->add_option("channel", channel)->required();
  subs_remove->add_option("address", address)->required();
  auto* subs_erase = subs_cmd->add_subcommand(
      "erase", "erase a number from the channel's subscribers, deliveries and webhooks (admin)");
  subs_erase->add_option("channel", channel)->required();
  subs_erase->add_option("address", address)->required();
  auto* subs_resolve = subs_cmd->add_subcommand(
      "resolve", "the number behind a pseudonym of the audit log (admin; audited)");
  subs_resolve->add_option("pseudonym", address, "sub:<32 hex digits>")->required();
  auto* subs_import = subs_cmd->add_subcommand("import", "add or update many from a CSV (admin)");
  subs_import->add_option("channel", channel)->required();
  subs_import->add_option("file", csv_file, "CSV with address,language,consent_at (- for stdin)")
      ->required();

  auto* zones_cmd = app.add_subcommand("zones", "the zones alerts are targeted to");
  zones_cmd->require_subcommand(1);
  std::string zones_file, zone_name;
  auto* zones_import =
      zones_cmd->add_subcommand("import", "add or replace zones from GeoJSON (admin)");
  zones_import
      ->add_option("file", zones_file,
                   "a FeatureCollection: properties name, label, keyword, istat (- for stdin)")
      ->required();
  auto* zones_list = zones_cmd->add_subcommand("list", "every zone, with its subscribers");
  auto* zones_delete = zones_cmd->add_subcommand("delete", "delete one (admin)");
  zones_delete->add_option("name", zone_name)->required();

  auto* inbox_cmd = app.add_subcommand("inbox", "what citizens wrote, and the replies (operator)");
  inbox_cmd->require_subcommand(1);
  std::string inbox_state, conversation, assignee_person, assignee_role, reply_text;
  auto* inbox_list = inbox_cmd->add_subcommand("list", "conversations, newest first");
  inbox_list->add_option("--state", inbox_state, "new, assigned or answered")
      ->check(CLI::IsMember({"new", "assigned", "answered"}));
  auto* inbox_show = inbox_cmd->add_subcommand("show", "one conversation, with its messages");
  inbox_show->add_option("id", conversation)->required();
  auto* inbox_assign = inbox_cmd->add_subcommand("assign", "assign to a person or a role");
  inbox_assign->add_option("id", conversation)->required();
  inbox_assign->add_option("--to", assignee_person, "a person");
  inbox_assign->add_option("--role", assignee_role, "a role (operator, ...)");
  auto* inbox_reply =
      inbox_cmd->add_subcommand("reply", "answer the citizen through their channel, now");
  inbox_reply->add_option("id", conversation)->required();
  inbox_reply->add_option("text", reply_text, "the reply (- for stdin)")->required();

  // audit: against the database
  auto* audit_cmd = app.add_subcommand(
      "audit", "the audit log: verify, head, prove from the database; export through araldod");
  audit_cmd->require_subcommand(1);
  std::string url;
  if (const char* env = std::getenv("ARALDO_DATABASE_URL")) url = env;
  audit_cmd->add_option("--database-url", url,
                        "libpq connection string (default: $ARALDO_DATABASE_URL)");
  app.add_option("--database-url", url, "libpq connection string, for audit commands");
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
                   "database connections reading the log at once, in one snapshot")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  verify_cmd->add_option("--public-key", public_key,
                         "the key every head must be signed by (araldod audit-public-key)");
  bool no_pinned_key = false;
  verify_cmd->add_flag("--no-pinned-key", no_pinned_key,
                       "check each head against the key it names (an unsigned log, a test); "
                       "proves nothing against a rewrite of the database");
  auto* head_cmd = audit_cmd->add_subcommand(
      "head", "the latest signed tree head (SIZE:ROOT): keep it elsewhere for --expect-head");
  auto* prove_cmd = audit_cmd->add_subcommand(
      "prove", "an inclusion proof (--event) or a consistency proof (--from/--to)");
  long long event_id = 0;
  std::uint64_t size = 0, from = 0, to = 0;
  auto* event_opt = prove_cmd->add_option("--event", event_id, "the audit event's id");
  prove_cmd->add_option("--size", size, "the tree size to prove it in (default: the latest)");
  auto* from_opt = prove_cmd->add_option("--from", from, "the older tree size");
  prove_cmd->add_option("--to", to, "the newer tree size (default: the latest)");
  prove_cmd->add_option("--public-key", public_key,
                        "the key the heads must be signed by (default: the pinned one)");
  event_opt->excludes(from_opt);
  auto* watch_cmd = audit_cmd->add_subcommand(
      "watch", "a witness: keep the log's signed heads in a file, fail on a fork (no key)");
  std::string keep_file;
  watch_cmd->add_option("--keep", keep_file, "the file of kept heads (JSON lines)")->required();
  watch_cmd->add_option("--public-key", public_key,
                        "the key the heads must be signed by (default: the pinned one)");
  auto* export_cmd = audit_cmd->add_subcommand(
      "export", "every audit event a filter selects, as CSV or JSON Lines, through araldod");
  std::string export_format = "jsonl", export_file, export_since, export_until, export_alert,
              export_actor, export_kind;
  export_cmd->add_option("--format", export_format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  export_cmd->add_option("--file", export_file,
                         "write here (renamed into place when complete); default: stdout");
  export_cmd->add_option("--since", export_since, "events at or after this time");
  export_cmd->add_option("--until", export_until, "events before this time");
  export_cmd->add_option("--alert-id", export_alert, "one alert's events");
  export_cmd->add_option("--actor", export_actor, "one key's (or system's) events");
  export_cmd->add_option("--kind", export_kind, "e.g. alert.accepted, delivery.sent");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? ctl::Exit::ok : ctl::Exit::usage;
  }

  // The key every head must be signed by: the flag, else the one the auditor pinned.
  if ((verify_cmd->parsed() || prove_cmd->parsed() || watch_cmd->parsed()) && public_key.empty()) {
    try {
      public_key = ctl::pinned_audit_key(settings_flags).value_or("");
    } catch (const ctl::SettingsError& e) {
      std::cerr << "araldoctl: " << e.what() << "\n";
      return ctl::Exit::usage;
    }
  }
  // An auditor without database access verifies through araldod.
  const bool audit_via_api = audit_cmd->parsed() && ((verify_cmd->parsed() && url.empty()) ||
                                                     export_cmd->parsed() || watch_cmd->parsed());
  if (audit_cmd->parsed() && !audit_via_api) {
    return run_audit(verify_cmd, head_cmd, output == "json", event_opt, from_opt, url, connections,
                     kept, public_key, no_pinned_key, event_id, size, from, to);
  }

  ctl::Settings settings;
  try {
    settings = ctl::resolve_settings(settings_flags, ctl::process_getenv, !watch_cmd->parsed());
  } catch (const ctl::SettingsError& e) {
    std::cerr << "araldoctl: " << e.what() << "\n";
    return ctl::Exit::usage;
  }
  ctl::ClientOptions client_options{settings.server, settings.key};
  client_options.retry_for = std::chrono::seconds(retry_for);
  ctl::ApiClient api(client_options);
  ctl::Context c{api, output == "json" ? ctl::Output::json : ctl::Output::table, std::cout,
                 std::cerr};

  if (export_cmd->parsed()) {
    std::string query = "format=" + export_format;
    auto add = [&](const char* name, const std::string& value) {
      if (!value.empty()) query += std::string("&") + name + "=" + ctl::encode_segment(value);
    };
    add("since", export_since);
    add("until", export_until);
    add("alert_id", export_alert);
    add("actor", export_actor);
    add("kind", export_kind);
    return ctl::export_audit(c, query, export_file);
  }
  if (watch_cmd->parsed()) return ctl::watch_audit_log(api, keep_file, public_key, c.out, c.err);
  if (audit_via_api) return ctl::verify_over_api(c, kept, public_key);
  if (send_cmd->parsed()) {
    send.wait_timeout = std::chrono::seconds(wait_timeout);
    return ctl::send_alert(c, send);
  }
  if (status_cmd->parsed()) return ctl::alert_status(c, id);
  if (cancel_cmd->parsed()) return ctl::cancel_alert(c, id);
  if (approve_cmd->parsed()) return ctl::approve_alert(c, id);
  if (reject_cmd->parsed()) return ctl::reject_alert(c, id, reject_reason);
  if (list_cmd->parsed()) {
    std::string query = "limit=" + std::to_string(list_limit);
    auto add = [&](const char* name, const std::string& value) {
      if (!value.empty()) query += std::string("&") + name + "=" + ctl::encode_segment(value);
    };
    add("since", since);
    add("until", until);
    add("submitted_by", submitted_by);
    add("channel", list_channel);
    add("state", list_state);
    for (const auto& s : list_severities) add("severity", s);
    return ctl::list_alerts(c, query, list_pages);
  }
  if (follow_up_cmd->parsed()) return ctl::follow_up_alert(c, id, follow_up_after);
  if (retry_cmd->parsed()) {
    if (!delivery.empty()) return ctl::retry_delivery(c, delivery);
    if (id.empty()) {
      std::cerr << "araldoctl: retry needs an alert id or --delivery ID\n";
      return ctl::Exit::usage;
    }
    return ctl::retry_alert(c, id);
  }
  if (key_create->parsed()) return ctl::create_key(c, name, role, expires);
  if (key_list->parsed()) return ctl::list_keys(c);
  if (key_revoke->parsed()) return ctl::revoke_key(c, name);
  if (sched_create->parsed()) return ctl::create_schedule(c, schedule_file);
  if (sched_list->parsed()) return ctl::list_schedules(c);
  if (sched_show->parsed()) return ctl::show_schedule(c, id);
  if (sched_enable->parsed()) return ctl::enable_schedule(c, id, true);
  if (sched_disable->parsed()) return ctl::enable_schedule(c, id, false);
  if (sched_delete->parsed()) return ctl::delete_schedule(c, id);
  if (subs_count->parsed()) return ctl::count_subscribers(c, channel);
  if (subs_add->parsed()) return ctl::add_subscriber(c, channel, address, language, consent_at);
  if (subs_remove->parsed()) return ctl::remove_subscriber(c, channel, address);
  if (subs_erase->parsed()) return ctl::erase_subscriber(c, channel, address);
  if (subs_resolve->parsed()) return ctl::resolve_pseudonym(c, address);
  if (subs_import->parsed()) return ctl::import_subscribers(c, channel, csv_file);
  if (inbox_list->parsed()) return ctl::list_inbox(c, inbox_state);
  if (inbox_show->parsed()) return ctl::show_conversation(c, conversation);
  if (inbox_assign->parsed()) {
    return ctl::assign_conversation(c, conversation, assignee_person, assignee_role);
  }
  if (inbox_reply->parsed()) return ctl::reply_to_conversation(c, conversation, reply_text);
  if (zones_import->parsed()) return ctl::import_zones(c, zones_file);
  if (zones_list->parsed()) return ctl::list_zones(c);
  if (zones_delete->parsed()) return ctl::delete_zone(c, zone_name);
  std::cerr << "araldoctl: nothing to do (see --help)\n";
  return ctl::Exit::usage;
}
