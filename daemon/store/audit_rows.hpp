#pragma once
// How an audit event is read, for the listing and the export alike (store-only).
#include <pqxx/pqxx>

#include "daemon/store/listing_store.hpp"

namespace araldo::store {

// The columns audit_row() reads, from audit_events e LEFT JOIN audit_leaves l.
inline constexpr const char* kAuditRowColumns =
    "e.id, e.xid::text, to_json(e.at)#>>'{}', e.actor, e.kind, e.alert_id::text,"
    " e.delivery_id, e.detail::text, l.seq";

AuditRow audit_row(const pqxx::row& r);

}  // namespace araldo::store
