#pragma once
// A published tree head as JSON, the one shape araldoctl and the public routes show: its
// size, root, when it was signed, the exact message the signature covers (so a checker
// needs no Araldo code), the key and the signature.
#include <boost/json/object.hpp>

#include "daemon/store/audit_log_store.hpp"

namespace araldo::audit {

boost::json::object head_json(const store::StoredHead& head);

}  // namespace araldo::audit
