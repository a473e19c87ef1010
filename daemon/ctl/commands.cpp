#include "daemon/ctl/commands.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "daemon/ctl/answer.hpp"
#include "daemon/ctl/audit_commands.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::ctl {
namespace {

std::string fresh_idempotency_key() {
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return "";
  return "araldoctl-" + text::to_hex(random.data(), random.size());
}

// Every delivery final: nothing pending, sending or retrying.
bool all_final(const boost::json::object& summary) {
  for (const char* open : {"pending", "sending", "retrying"}) {
    if (const auto* n = summary.if_contains(open); n && n->to_number<long long>() > 0) return false;
  }
  return true;
}

long long count_of(const boost::json::object& summary, const char* state) {
  const auto* n = summary.if_contains(state);
  return n ? n->to_number<long long>() : 0;
}

void print_status(Context& c, const boost::json::object& doc) {
  const auto& alert = doc.at("alert").as_object();
  c.out << "alert      " << text_of(doc.if_contains("id")) << "\n"
        << "headline   " << text_of(alert.if_contains("headline")) << "\n"
        << "severity   " << text_of(alert.if_contains("severity")) << "\n"
        << "accepted   " << text_of(doc.if_contains("accepted_at")) << " by "
        << text_of(doc.if_contains("submitted_by")) << "\n"
        << "deliveries " << text_of(doc.if_contains("total_deliveries"));
  for (const auto& [state, n] : doc.at("summary").as_object()) {
    c.out << "  " << std::string(state) << " " << text_of(&n);
  }
  c.out << "\n\n";
  c.out << std::left << std::setw(22) << "CHANNEL" << std::setw(24) << "TARGET" << std::setw(10)
        << "STATE" << std::setw(9) << "ATTEMPTS"
        << "LAST ERROR\n";
  for (const auto& d : doc.at("deliveries").as_array()) {
    const auto& o = d.as_object();
    c.out << std::left << std::setw(22) << text_of(o.if_contains("channel")) << std::setw(24)
          << text_of(o.if_contains("target")) << std::setw(10) << text_of(o.if_contains("state"))
          << std::setw(9) << text_of(o.if_contains("attempts"))
          << text_of(o.if_contains("last_error")) << "\n";
  }
  if (doc.contains("deliveries_truncated")) c.out << "(the first deliveries only)\n";
}

}  // namespace

// What each channel would publish, part by part, and what is wrong: exit 0 only when it
// can be sent as it is.
Exit preview_alert(Context& c, const boost::json::object& alert) {
  const auto r = c.api.request("POST", "/v1/alerts/preview", boost::json::serialize(alert),
                               "application/json");
  if (r.status != 200) return failed(c, r);
  const auto doc = boost::json::parse(r.body).as_object();
  if (c.output == Output::json) {
    c.out << r.body << "\n";
  } else {
    // Whom it would reach first: the number an operator checks before sending.
    const auto* area = doc.if_contains("area");
    std::string zones;
    if (area && area->is_object() && area->at("targeted").as_bool()) {
      for (const auto& z : area->at("zones").as_array()) {
        zones += (zones.empty() ? "" : ", ") + text_of(z.as_object().if_contains("label"));
      }
      zones = "in the zones: " + (zones.empty() ? std::string("none") : zones);
    } else {
      zones = "over the whole territory";
    }
    c.out << "will reach " << text_of(doc.if_contains("recipients")) << " recipient(s) " << zones
          << "\n";
    for (const auto& ch : doc.at("channels").as_array()) {
      const auto& o = ch.as_object();
      c.out << "== " << text_of(o.if_contains("channel")) << ": reaches "
            << text_of(o.if_contains("reaches"));
      if (const auto* by_zone = o.if_contains("subscribers_by_zone")) {
        std::string counts;
        for (const auto& [zone, n] : by_zone->as_object()) {
          counts += (counts.empty() ? "" : ", ") + std::string(zone) + " " + text_of(&n);
        }
        c.out << " (by zone: " << counts << ")";
      }
      c.out << "\n";
    }
    for (const auto& a : doc.at("advice").as_array()) {
      c.out << "advice: " << text_of(a.as_object().if_contains("detail")) << "\n";
    }
    for (const auto& ch : doc.at("channels").as_array()) {
      for (const auto& rd : ch.at("renditions").as_array()) {
        c.out << "== " << text_of(ch.as_object().if_contains("channel")) << " ("
              << text_of(ch.as_object().if_contains("type")) << "), "
              << text_of(rd.as_object().if_contains("language")) << ", "
              << rd.at("targets").as_int64() << " target(s)\n";
        const auto& parts = rd.at("parts").as_array();
        for (std::size_t k = 0; k < parts.size(); ++k) {
          const auto& part = parts[k].as_object();
          c.out << "-- part " << k + 1 << "/" << parts.size() << ": "
                << part.at("length").as_int64() << "/" << part.at("limit").as_int64() << " "
                << text_of(part.if_contains("unit")) << "\n";
          if (const auto* text = part.if_contains("text")) {
            c.out << text_of(text) << "\n";
          } else {
            c.out << boost::json::serialize(part.at("message")) << "\n";
          }
        }
      }
    }
    for (const auto& p : doc.at("problems").as_array()) {
      const auto& o = p.as_object();
      c.out << text_of(o.if_contains("severity")) << ": ";
      if (o.contains("channel")) c.out << text_of(o.if_contains("channel")) << ": ";
      c.out << text_of(o.if_contains("detail")) << "\n";
    }
  }
  if (!doc.at("sendable").as_bool()) {
    c.err << "araldoctl: this alert cannot be sent as it is (see the problems above)\n";
    return Exit::refused;
  }
  return Exit::ok;
}

Exit send_alert(Context& c, const SendOptions& options) {
  boost::json::object alert;
  try {
    alert = alert_from_input(options.alert);
  } catch (const AlertInputError& e) {
    c.err << "araldoctl: " << e.what() << "\n";
    return Exit::usage;
  }
  if (options.dry_run) return preview_alert(c, alert);
  const auto key =
      options.idempotency_key.empty() ? fresh_idempotency_key() : options.idempotency_key;
  // With the key, a retry after a lost answer or a 503 cannot broadcast twice.
  const auto r = c.api.request("POST", "/v1/alerts", boost::json::serialize(alert),
                               "application/json", {{"Idempotency-Key", key}});
  if (r.status != 202) return failed(c, r);
  const auto accepted = boost::json::parse(r.body).as_object();
  const std::string id(accepted.at("id").as_string());
  if (!options.wait) {
    if (c.output == Output::json) {
      c.out << r.body << "\n";
    } else {
      c.out << id << "\n";
    }
    return Exit::ok;
  }
  const auto deadline = std::chrono::steady_clock::now() + options.wait_timeout;
  for (;;) {
    const auto s = c.api.request("GET", "/v1/alerts/" + id);
    if (!succeeded(s)) return failed(c, s);
    const auto doc = boost::json::parse(s.body).as_object();
    const auto& summary = doc.at("summary").as_object();
    if (all_final(summary)) {
      if (c.output == Output::json) {
        c.out << s.body << "\n";
      } else {
        print_status(c, doc);
      }
      const auto lost = count_of(summary, "failed") + count_of(summary, "expired") +
                        count_of(summary, "cancelled");
      return lost > 0 ? Exit::deliveries_failed : Exit::ok;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      c.err << "araldoctl: alert " << id << " still has deliveries open after "
            << options.wait_timeout.count() << " s\n";
      if (c.output == Output::json) c.out << s.body << "\n";
      return Exit::timed_out;
    }
    std::this_thread::sleep_for(options.poll);
  }
}

Exit alert_status(Context& c, const std::string& id) {
  return answer(c, c.api.request("GET", "/v1/alerts/" + encode_segment(id)),
                [&](const boost::json::object& doc) { print_status(c, doc); });
}

Exit list_alerts(Context& c, const std::string& query, int pages) {
  std::string path = "/v1/alerts" + (query.empty() ? "" : "?" + query);
  bool header = false;
  for (int page = 0; page < pages && !path.empty(); ++page) {
    const auto r = c.api.request("GET", path);
    if (!succeeded(r)) return failed(c, r);
    const auto doc = boost::json::parse(r.body).as_object();
    path = doc.contains("next") ? std::string(doc.at("next").as_string()) : "";
    if (c.output == Output::json) {
      for (const auto& a : doc.at("alerts").as_array()) c.out << boost::json::serialize(a) << "\n";
      continue;
    }
    if (!header) {
      c.out << std::left << std::setw(38) << "ID" << std::setw(34) << "ACCEPTED" << std::setw(10)
            << "SEVERITY" << std::setw(11) << "STATE"
            << "HEADLINE\n";
      header = true;
    }
    for (const auto& a : doc.at("alerts").as_array()) {
      const auto& o = a.as_object();
      c.out << std::left << std::setw(38) << text_of(o.if_contains("id")) << std::setw(34)
            << text_of(o.if_contains("accepted_at")) << std::setw(10)
            << text_of(o.if_contains("severity")) << std::setw(11)
            << text_of(o.if_contains("state")) << text_of(o.if_contains("headline")) << "\n";
    }
  }
  return Exit::ok;
}

Exit cancel_alert(Context& c, const std::string& id) {
  return answer(c, c.api.request("POST", "/v1/alerts/" + encode_segment(id) + "/cancel"),
                [&](const boost::json::object& doc) {
                  c.out << "cancelled " << text_of(doc.if_contains("cancelled"))
                        << " delivery(ies) not sent yet\n";
                });
}

Exit approve_alert(Context& c, const std::string& id) {
  return answer(c, c.api.request("POST", "/v1/alerts/" + encode_segment(id) + "/approve"),
                [&](const boost::json::object& doc) {
                  c.out << "approved: " << text_of(doc.if_contains("released"))
                        << " delivery(ies) released\n";
                });
}

Exit reject_alert(Context& c, const std::string& id, const std::string& reason) {
  const auto body = boost::json::serialize(boost::json::object{{"reason", reason}});
  return answer(c,
                c.api.request("POST", "/v1/alerts/" + encode_segment(id) + "/reject", body,
                              "application/json"),
                [&](const boost::json::object& doc) {
                  c.out << "rejected: " << text_of(doc.if_contains("cancelled"))
                        << " delivery(ies) will not be sent\n";
                });
}

namespace {
Exit retried(Context& c, const ApiResponse& r) {
  return answer(c, r, [&](const boost::json::object& doc) {
    c.out << "queued again: " << text_of(doc.if_contains("retried")) << "\n";
  });
}
}  // namespace

Exit retry_alert(Context& c, const std::string& id) {
  return retried(c, c.api.request("POST", "/v1/alerts/" + encode_segment(id) + "/retry"));
}

Exit retry_delivery(Context& c, const std::string& id) {
  return retried(c, c.api.request("POST", "/v1/deliveries/" + encode_segment(id) + "/retry"));
}

Exit follow_up_alert(Context& c, const std::string& id, int after_minutes) {
  return answer(
      c,
      c.api.request("POST", "/v1/alerts/" + encode_segment(id) + "/follow-up",
                    boost::json::serialize(boost::json::object{{"after_minutes", after_minutes}}),
                    "application/json"),
      [&](const boost::json::object& doc) {
        c.out << "follow-up round " << text_of(doc.if_contains("round")) << ": "
              << text_of(doc.if_contains("recipients")) << " recipients, "
              << text_of(doc.if_contains("deliveries")) << " messages queued\n";
      });
}

Exit verify_over_api(Context& c, const std::vector<std::string>& kept,
                     const std::string& public_key) {
  std::string query;
  for (const auto& k : kept) query += "&expect_head=" + encode_segment(k);
  if (!public_key.empty()) query += "&public_key=" + encode_segment(public_key);
  const auto r =
      c.api.request("GET", "/v1/audit/verify" + (query.empty() ? "" : "?" + query.substr(1)));
  if (!succeeded(r)) return failed(c, r);
  if (c.output == Output::json) c.out << r.body << "\n";
  const auto doc = boost::json::parse(r.body).as_object();
  VerificationSummary s;
  s.ok = doc.at("ok").as_bool();
  if (const auto* p = doc.if_contains("problem"); p && p->is_string()) s.problem = p->as_string();
  s.leaves = doc.at("leaves").to_number<std::uint64_t>();
  s.heads = doc.at("heads").to_number<long long>();
  s.signed_heads = doc.at("signed_heads").to_number<long long>();
  s.tree_size = doc.at("tree_size").to_number<std::uint64_t>();
  s.root = doc.at("root").as_string();
  s.unsealed = doc.at("unsealed").to_number<long long>();
  s.kept_given = !kept.empty();
  if (c.output == Output::json) return s.ok ? Exit::ok : Exit::refused;
  return print_verification(s) == 0 ? Exit::ok : Exit::refused;
}

Exit create_key(Context& c, const std::string& name, const std::string& role,
                const std::string& expires) {
  boost::json::object body{{"name", name}, {"role", role}};
  if (!expires.empty()) body["expires_at"] = expires;
  // A 503 created nothing. An answer lost in transport and retried gets 409: the first
  // one was made (and audited), so revoke it and make another.
  return answer(
      c, c.api.request("POST", "/v1/keys", boost::json::serialize(body), "application/json"),
      [&](const boost::json::object& doc) {
        c.out << text_of(doc.if_contains("key")) << "\n";
        c.err << "created key '" << text_of(doc.if_contains("name")) << "' ("
              << text_of(doc.if_contains("role")) << "); it is shown only now: store it safely\n";
      });
}

Exit list_keys(Context& c) {
  return answer(c, c.api.request("GET", "/v1/keys"), [&](const boost::json::object& doc) {
    c.out << std::left << std::setw(24) << "NAME" << std::setw(11) << "ROLE" << std::setw(34)
          << "CREATED" << std::setw(34) << "EXPIRES"
          << "REVOKED\n";
    for (const auto& k : doc.at("keys").as_array()) {
      const auto& o = k.as_object();
      c.out << std::left << std::setw(24) << text_of(o.if_contains("name")) << std::setw(11)
            << text_of(o.if_contains("role")) << std::setw(34)
            << text_of(o.if_contains("created_at")) << std::setw(34)
            << text_of(o.if_contains("expires_at")) << text_of(o.if_contains("revoked_at")) << "\n";
    }
  });
}

Exit revoke_key(Context& c, const std::string& name) {
  return answer(c, c.api.request("DELETE", "/v1/keys/" + encode_segment(name)),
                [](const boost::json::object&) {});
}

Exit count_subscribers(Context& c, const std::string& channel) {
  return answer(c, c.api.request("GET", "/v1/channels/" + encode_segment(channel) + "/subscribers"),
                [&](const boost::json::object& doc) {
                  c.out << text_of(doc.if_contains("subscribers")) << " subscriber(s)";
                  for (const auto& [language, n] : doc.at("by_language").as_object()) {
                    c.out << "  " << std::string(language) << " " << text_of(&n);
                  }
                  c.out << "\n";
                });
}

namespace {
Exit upserted(Context& c, const ApiResponse& r) {
  return answer(c, r, [&](const boost::json::object& doc) {
    c.out << "added " << text_of(doc.if_contains("added")) << ", updated "
          << text_of(doc.if_contains("updated")) << "\n";
  });
}
}  // namespace

Exit add_subscriber(Context& c, const std::string& channel, const std::string& address,
                    const std::string& language, const std::string& consent_at) {
  boost::json::object body{{"address", address}, {"language", language}};
  if (!consent_at.empty()) body["consent_at"] = consent_at;
  return upserted(c,
                  c.api.request("POST", "/v1/channels/" + encode_segment(channel) + "/subscribers",
                                boost::json::serialize(body), "application/json"));
}

Exit remove_subscriber(Context& c, const std::string& channel, const std::string& address) {
  return answer(c,
                c.api.request("DELETE", "/v1/channels/" + encode_segment(channel) +
                                            "/subscribers/" + encode_segment(address)),
                [](const boost::json::object&) {});
}

Exit resolve_pseudonym(Context& c, const std::string& pseudonym) {
  return answer(c, c.api.request("GET", "/v1/pseudonyms/" + encode_segment(pseudonym)),
                [&](const boost::json::object& doc) {
                  c.out << text_of(doc.if_contains("pseudonym")) << " "
                        << text_of(doc.if_contains("address")) << "\n";
                });
}

Exit erase_subscriber(Context& c, const std::string& channel, const std::string& address) {
  return answer(c,
                c.api.request("POST", "/v1/channels/" + encode_segment(channel) + "/subscribers/" +
                                          encode_segment(address) + "/erase"),
                [&](const boost::json::object& doc) {
                  c.out << "erased: now " << text_of(doc.if_contains("subscriber")) << " in "
                        << text_of(doc.if_contains("deliveries")) << " deliveries, "
                        << text_of(doc.if_contains("inbound_items")) << " inbound items, "
                        << text_of(doc.if_contains("inbound_bodies")) << " webhook bodies; "
                        << text_of(doc.if_contains("conversations"))
                        << " inbox conversations deleted\n";
                });
}

Exit import_subscribers(Context& c, const std::string& channel, const std::string& csv_file) {
  std::stringstream csv;
  if (csv_file == "-") {
    csv << std::cin.rdbuf();
  } else {
    std::ifstream in(csv_file, std::ios::binary);
    if (!in) {
      c.err << "araldoctl: " << csv_file << ": cannot be read\n";
      return Exit::usage;
    }
    csv << in.rdbuf();
  }
  // All or nothing on the server, so sending it again after a lost answer is safe.
  return upserted(
      c, c.api.request("POST", "/v1/channels/" + encode_segment(channel) + "/subscribers/import",
                       csv.str(), "text/csv"));
}

Exit export_audit(Context& c, const std::string& query, const std::string& file) {
  const std::string path = "/v1/audit/export?" + query;
  if (file.empty() || file == "-") {
    const auto r = c.api.download(path, c.out);
    if (!succeeded(r)) return failed(c, r);
    c.out.flush();
    return Exit::ok;
  }
  // Written beside the file and renamed when complete: a transfer cut short never leaves
  // a file that looks whole.
  const std::string partial = file + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) {
      c.err << "araldoctl: " << partial << ": cannot be written\n";
      return Exit::usage;
    }
    const auto r = c.api.download(path, out);
    out.close();
    if (!succeeded(r) || !out) {
      std::remove(partial.c_str());
      if (succeeded(r)) {
        c.err << "araldoctl: " << partial << ": write failed (disk full?)\n";
        return Exit::refused;
      }
      return failed(c, r);
    }
  }
  if (std::rename(partial.c_str(), file.c_str()) != 0) {
    c.err << "araldoctl: cannot rename " << partial << " to " << file << "\n";
    return Exit::usage;
  }
  return Exit::ok;
}

}  // namespace araldo::ctl
