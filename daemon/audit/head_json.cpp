#include "daemon/audit/head_json.hpp"

#include "daemon/audit/head_signer.hpp"
#include "daemon/audit/merkle.hpp"

namespace araldo::audit {

boost::json::object head_json(const store::StoredHead& h) {
  const auto root = merkle::from_bytes(h.root_hash);
  boost::json::object o{{"tree_size", h.tree_size},
                        {"root", merkle::hex(root)},
                        {"signed_at", h.signed_at},
                        {"signed_message", head_message(h.tree_size, root, h.signed_at)}};
  o["public_key"] = h.public_key ? boost::json::value(*h.public_key) : nullptr;
  o["signature"] = h.signature ? boost::json::value(*h.signature) : nullptr;
  return o;
}

}  // namespace araldo::audit
