#pragma once
// An alert's state, computed by PostgreSQL from its row the same way everywhere (the list,
// one alert, the state filter): the first that holds of
//   draft              CAP status Draft: never sent
//   awaiting_approval  held for a second operator
//   rejected           the second operator refused it
//   approval_expired   nobody approved it in time
//   cancelled          POST /v1/alerts/{id}/cancel, or a CAP Cancel
//   updated            a later alert (CAP msgType Update) supersedes it
//   scheduled          its send_at is ahead
//   expired            its expires_at has passed
//   active             otherwise
#include <array>
#include <string>
#include <string_view>

namespace araldo::store {

inline constexpr std::array<std::string_view, 9> alert_states{
    "draft",     "awaiting_approval", "rejected", "approval_expired", "cancelled", "updated",
    "scheduled", "expired",           "active"};

// The SQL expression of the state of the alert row named `a`.
inline std::string alert_state_sql(const std::string& a) {
  return "CASE WHEN " + a + ".status = 'Draft' THEN 'draft'" + " WHEN " + a +
         ".approval = 'awaiting' THEN 'awaiting_approval'" + " WHEN " + a +
         ".approval = 'rejected' THEN 'rejected'" + " WHEN " + a +
         ".approval = 'expired' THEN 'approval_expired'" + " WHEN " + a +
         ".cancelled_at IS NOT NULL THEN 'cancelled'" +
         " WHEN EXISTS (SELECT 1 FROM alerts u WHERE u.msg_type = 'Update'" +
         "   AND u.references_alerts @> ARRAY[" + a + ".id]) THEN 'updated'" + " WHEN " + a +
         ".send_at > now() THEN 'scheduled'" + " WHEN " + a +
         ".expires_at <= now() THEN 'expired'" + " ELSE 'active' END";
}

}  // namespace araldo::store
