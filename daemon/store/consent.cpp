#include "daemon/store/consent.hpp"

#include "daemon/store/audit_writer.hpp"

namespace araldo::store {
namespace {

// The time a change was asked for, as SQL sees it.
const char* const asked_at =
    "CASE WHEN $3::bigint > 0 THEN to_timestamp($3::bigint) ELSE now() END";

boost::json::object audit_detail(pqxx::work& tx, const ConsentChange& c,
                                 const privacy::Pseudonyms& pseudonyms) {
  boost::json::object d = c.detail;
  d["channel"] = c.channel;
  d["subscriber"] = pseudonym_for_audit(tx, c.address, pseudonyms);
  d["evidence"] = c.evidence;
  if (c.at > 0) d["platform_time"] = c.at;
  return d;
}

// What makes a change stale, if anything: (what, when): a statement of the other kind
// made later. In the same second (the platforms stamp seconds) the one applied last wins.
std::optional<std::pair<std::string, std::string>> newer_will(pqxx::work& tx,
                                                              const ConsentChange& c,
                                                              const std::string& pseudonym,
                                                              bool asking_in) {
  const auto r =
      asking_in ? tx.exec_params(std::string("SELECT kind, to_json(opted_out_at)#>>'{}'"
                                             "  FROM opt_outs WHERE channel = $1"
                                             "   AND address IN ($2, $4) AND opted_out_at > ") +
                                     asked_at + " ORDER BY opted_out_at DESC LIMIT 1",
                                 c.channel, c.address, c.at, pseudonym)
                : tx.exec_params(std::string("SELECT 'consent', to_json(consent_at)#>>'{}'"
                                             "  FROM subscribers WHERE channel = $1"
                                             "   AND address = $2 AND consent_at > ") +
                                     asked_at,
                                 c.channel, c.address, c.at);
  if (r.empty()) return std::nullopt;
  return std::make_pair(r[0][0].as<std::string>(), r[0][1].as<std::string>());
}

ConsentOutcome stale(pqxx::work& tx, const ConsentChange& c, const privacy::Pseudonyms& pseudonyms,
                     const std::string& asked, const std::pair<std::string, std::string>& newer) {
  auto d = audit_detail(tx, c, pseudonyms);
  d["asked"] = asked;
  d["superseded_by"] = boost::json::object{{"kind", newer.first}, {"at", newer.second}};
  append_audit_event(tx, {c.actor, "subscriber.stale", std::nullopt, std::nullopt, std::move(d)});
  return {};
}

}  // namespace

void lock_address(pqxx::work& tx, const std::string& channel, const std::string& address) {
  // First the table lock a bulk import conflicts with, then this address's own.
  tx.exec0("LOCK TABLE opt_outs IN ROW EXCLUSIVE MODE");
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 7))", channel,
                 address);
}

void lock_for_import(pqxx::work& tx) {
  // An import checks thousands of addresses against opt_outs at once: no withdrawal may
  // commit between its check and its commit.
  tx.exec0("LOCK TABLE opt_outs IN SHARE ROW EXCLUSIVE MODE");
}

std::string audit_pseudonym(const std::string& address, const privacy::Pseudonyms& pseudonyms) {
  return privacy::is_pseudonym(address) ? address : pseudonyms.of(address);
}

std::string pseudonym_for_audit(pqxx::work& tx, const std::string& address,
                                const privacy::Pseudonyms& pseudonyms) {
  if (privacy::is_pseudonym(address)) return address;
  auto p = audit_pseudonym(address, pseudonyms);
  tx.exec_params0(
      "INSERT INTO pseudonyms (pseudonym, address) VALUES ($1, $2)"
      " ON CONFLICT (pseudonym) DO NOTHING",
      p, address);
  return p;
}

ConsentOutcome opt_in(pqxx::work& tx, const ConsentChange& c, const std::string& language,
                      const privacy::Pseudonyms& pseudonyms) {
  lock_address(tx, c.channel, c.address);
  const auto pseudonym = pseudonyms.of(c.address);
  if (auto newer = newer_will(tx, c, pseudonym, true)) {
    return stale(tx, c, pseudonyms, "opt_in", *newer);
  }
  // An older opt-in of one already subscribed since changes nothing either.
  const auto r = tx.exec_params(
      std::string("INSERT INTO subscribers (channel, address, language, consent_at, created_by)"
                  " VALUES ($1, $2, $4, ") +
          asked_at +
          ", $5)"
          " ON CONFLICT (channel, address) DO UPDATE"
          "   SET language = EXCLUDED.language, consent_at = EXCLUDED.consent_at"
          "   WHERE subscribers.consent_at <= EXCLUDED.consent_at"
          " RETURNING (xmax = 0)",
      c.channel, c.address, c.at, language, c.actor);
  if (r.empty()) {
    const auto current = tx.exec_params1(
        "SELECT to_json(consent_at)#>>'{}' FROM subscribers WHERE channel = $1 AND address = $2",
        c.channel, c.address);
    return stale(tx, c, pseudonyms, "opt_in", {"consent", current[0].as<std::string>()});
  }
  const auto ended = tx.exec_params(
      "DELETE FROM opt_outs WHERE channel = $1 AND address IN ($2, $3)"
      " RETURNING kind, to_json(opted_out_at)#>>'{}'",
      c.channel, c.address, pseudonym);
  auto d = audit_detail(tx, c, pseudonyms);
  d["language"] = language;
  if (!ended.empty()) {
    d["ends_opt_out"] = boost::json::object{{"kind", ended[0][0].as<std::string>()},
                                            {"at", ended[0][1].as<std::string>()}};
  }
  append_audit_event(tx,
                     {c.actor, "subscriber.opted_in", std::nullopt, std::nullopt, std::move(d)});
  return {true, language, !r[0][0].as<bool>()};
}

ConsentOutcome opt_out(pqxx::work& tx, const ConsentChange& c, const std::string& kind,
                       const privacy::Pseudonyms& pseudonyms) {
  lock_address(tx, c.channel, c.address);
  const auto pseudonym = pseudonyms.of(c.address);
  // An admin's removal or an erasure is done now, never a message delivered late.
  const bool by_admin = kind == "admin" || kind == "erasure";
  if (auto newer = by_admin ? std::nullopt : newer_will(tx, c, pseudonym, false)) {
    return stale(tx, c, pseudonyms, "opt_out", *newer);
  }
  const auto removed = tx.exec_params(
      "DELETE FROM subscribers WHERE channel = $1 AND address = $2 RETURNING language", c.channel,
      c.address);
  // The latest withdrawal is the one kept; an erasure keeps only the pseudonym.
  const auto& kept = kind == "erasure" ? pseudonym : c.address;
  tx.exec_params0(
      "DELETE FROM opt_outs WHERE channel = $1 AND address IN ($2, $3) AND address <> $4",
      c.channel, c.address, pseudonym, kept);
  tx.exec_params0(
      std::string("INSERT INTO opt_outs (channel, address, opted_out_at, kind, evidence)"
                  " VALUES ($1, $2, ") +
          asked_at +
          ", $4, $5)"
          " ON CONFLICT (channel, address) DO UPDATE"
          "   SET opted_out_at = EXCLUDED.opted_out_at, kind = EXCLUDED.kind,"
          "       evidence = EXCLUDED.evidence, recorded_at = now()"
          " WHERE opt_outs.opted_out_at <= EXCLUDED.opted_out_at",
      c.channel, kept, c.at, kind, c.evidence);
  auto d = audit_detail(tx, c, pseudonyms);
  d["how"] = kind;
  d["was_subscribed"] = !removed.empty();
  const char* event = kind == "admin"     ? "subscriber.removed"
                      : kind == "erasure" ? "subscriber.erased"
                                          : "subscriber.opted_out";
  append_audit_event(tx, {c.actor, event, std::nullopt, std::nullopt, std::move(d)});
  ConsentOutcome out{true, {}, !removed.empty()};
  if (!removed.empty()) out.language = removed[0][0].as<std::string>();
  return out;
}

std::string set_notice_preference(pqxx::work& tx, const ConsentChange& c, bool stop,
                                  const privacy::Pseudonyms& pseudonyms) {
  lock_address(tx, c.channel, c.address);
  const auto r =
      tx.exec_params(std::string("UPDATE subscribers SET notices_changed_at = ") + asked_at +
                         ", notices_stopped_at = CASE WHEN $4 THEN " + asked_at +
                         " END"
                         " WHERE channel = $1 AND address = $2"
                         "   AND (notices_changed_at IS NULL OR notices_changed_at <= " +
                         asked_at + ") RETURNING 1",
                     c.channel, c.address, c.at, stop);
  if (r.empty()) {
    const bool subscribed =
        !tx.exec_params("SELECT 1 FROM subscribers WHERE channel = $1 AND address = $2", c.channel,
                        c.address)
             .empty();
    return subscribed ? "stale" : "not_subscribed";
  }
  auto d = audit_detail(tx, c, pseudonyms);
  append_audit_event(tx,
                     {c.actor, stop ? "subscriber.notices_stopped" : "subscriber.notices_resumed",
                      std::nullopt, std::nullopt, std::move(d)});
  return stop ? "notices_stopped" : "notices_resumed";
}

std::string with_pseudonym(std::string text, const std::string& address,
                           const std::string& pseudonym) {
  if (address.empty()) return text;
  for (auto at = text.find(address); at != std::string::npos;
       at = text.find(address, at + pseudonym.size())) {
    text.replace(at, address.size(), pseudonym);
  }
  return text;
}

}  // namespace araldo::store
