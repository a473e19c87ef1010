#include "daemon/ctl/audit_watch.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <optional>
#include <vector>

#include "daemon/audit/head_signer.hpp"
#include "daemon/audit/merkle.hpp"

namespace araldo::ctl {
namespace {

namespace merkle = audit::merkle;

struct Head {
  std::uint64_t size = 0;
  merkle::Hash root{};
  std::string signed_at, public_key, signature;
};

std::optional<Head> read_head(const boost::json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto text = [&](const char* k) -> std::string {
    const auto* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  const auto* size = o.if_contains("tree_size");
  Head h;
  if (!size || !size->is_number() || !merkle::from_hex(text("root"), h.root)) return std::nullopt;
  h.size = size->to_number<std::uint64_t>();
  h.signed_at = text("signed_at");
  h.public_key = text("public_key");
  h.signature = text("signature");
  return h;
}

boost::json::object head_json(const Head& h) {
  return {{"tree_size", h.size},
          {"root", merkle::hex(h.root)},
          {"signed_at", h.signed_at},
          {"public_key", h.public_key},
          {"signature", h.signature}};
}

std::string name(const Head& h) {
  return std::to_string(h.size) + ":" + merkle::hex(h.root);
}

// Signed by the pinned key, over the message this program rebuilds itself.
bool signed_by(const Head& h, const std::string& key) {
  return h.public_key == key && !h.signature.empty() &&
         audit::verify_head_signature(key, audit::head_message(h.size, h.root, h.signed_at),
                                      h.signature);
}

std::optional<boost::json::value> get_json(ApiClient& api, const std::string& path,
                                           std::ostream& err) {
  const auto r = api.request("GET", path);
  if (r.status != 200) {
    err << "araldoctl: GET " << path << ": "
        << (r.status == 0 ? r.error : "HTTP " + std::to_string(r.status) + " " + r.body) << "\n";
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec) {
    err << "araldoctl: GET " << path << ": not JSON\n";
    return std::nullopt;
  }
  return v;
}

}  // namespace

Exit watch_audit_log(ApiClient& api, const std::string& keep_file, const std::string& public_key,
                     std::ostream& out, std::ostream& err) {
  if (public_key.empty()) {
    err << "araldoctl: a witness needs the key it trusts: --public-key, ARALDO_AUDIT_PUBLIC_KEY "
           "or audit_public_key: in the config file\n";
    return Exit::usage;
  }
  std::optional<Head> kept;
  {
    std::ifstream in(keep_file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      boost::system::error_code ec;
      const auto v = boost::json::parse(line, ec);
      auto h = ec ? std::nullopt : read_head(v);
      if (!h) {
        err << "araldoctl: " << keep_file << ": a line is not a kept head\n";
        return Exit::usage;
      }
      kept = h;
    }
  }

  // The kept head must still be the log's head of that size.
  if (kept) {
    const auto same =
        get_json(api, "/public/audit/heads?limit=1&since=" + std::to_string(kept->size - 1), err);
    if (!same) return Exit::unreachable;
    const auto& list = same->at("heads").as_array();
    const auto now = list.empty() ? std::nullopt : read_head(list.front());
    if (!now || now->size != kept->size || now->root != kept->root) {
      err << "FORK: the kept head " << name(*kept) << " is no longer the log's head of size "
          << kept->size << (now && now->size == kept->size ? ": it is now " + name(*now) : "")
          << "\n";
      return Exit::refused;
    }
  }

  // Every head published since, each signed by the pinned key.
  std::optional<Head> newest;
  std::string path =
      "/public/audit/heads?limit=1000&since=" + std::to_string(kept ? kept->size : 0);
  std::size_t seen = 0;
  while (!path.empty()) {
    const auto page = get_json(api, path, err);
    if (!page) return Exit::unreachable;
    for (const auto& v : page->at("heads").as_array()) {
      const auto h = read_head(v);
      if (!h || !signed_by(*h, public_key)) {
        err << "araldoctl: head " << (h ? name(*h) : std::string("?"))
            << " is not signed by the pinned key " << public_key << "\n";
        return Exit::refused;
      }
      newest = h;
      ++seen;
    }
    const auto* next = page->as_object().if_contains("next");
    path = next && next->is_string() ? std::string(next->as_string()) : "";
  }
  if (!newest) {
    out << "no new head" << (kept ? " since " + name(*kept) : std::string()) << "\n";
    return Exit::ok;
  }

  // The newest extends the kept one.
  if (kept) {
    const auto proof = get_json(api,
                                "/public/audit/consistency?from=" + std::to_string(kept->size) +
                                    "&to=" + std::to_string(newest->size),
                                err);
    if (!proof) return Exit::unreachable;
    std::vector<merkle::Hash> hashes;
    for (const auto& v : proof->at("consistency_proof").as_array()) {
      merkle::Hash h{};
      if (!v.is_string() || !merkle::from_hex(v.as_string(), h)) return Exit::refused;
      hashes.push_back(h);
    }
    if (!merkle::verify_consistency(kept->size, newest->size, kept->root, newest->root, hashes)) {
      err << "FORK: " << name(*newest) << " does not extend the kept head " << name(*kept) << "\n";
      return Exit::refused;
    }
  }
  std::ofstream append(keep_file, std::ios::app);
  append << boost::json::serialize(head_json(*newest)) << "\n";
  append.flush();
  if (!append) {
    err << "araldoctl: " << keep_file << ": cannot be written\n";
    return Exit::usage;
  }
  out << seen << " new head(s), each signed by the pinned key; kept " << name(*newest)
      << (kept ? ", which extends " + name(*kept) : std::string()) << "\n";
  return Exit::ok;
}

}  // namespace araldo::ctl
