#pragma once
// How an audit event and a tree head are read, wherever they are (store-only).
#include <pqxx/pqxx>

#include "daemon/store/audit_log_store.hpp"
#include "daemon/store/listing_store.hpp"

namespace araldo::store {

// The columns audit_row() reads, from audit_events e LEFT JOIN audit_leaves l.
inline constexpr const char* kAuditRowColumns =
    "e.id, e.xid::text, to_json(e.at)#>>'{}', e.actor, e.kind, e.alert_id::text,"
    " e.delivery_id, e.detail::text, l.seq";

AuditRow audit_row(const pqxx::row& r);

// The columns head_row() reads, from audit_heads.
inline constexpr const char* kHeadColumns =
    "tree_size, root_hash, signed_at, public_key, signature";

StoredHead head_row(const pqxx::row& r);

}  // namespace araldo::store
