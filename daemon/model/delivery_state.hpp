#pragma once
// Where a delivery is in its life. The database stores the name (a CHECK constraint lists
// the same seven); C++ code compares the enum, never a string literal.
//
//   pending ──claim──▶ sending ──▶ sent
//      ▲                  │  ├──▶ retrying ──(due again)──▶ claimed like pending
//      └──(retry asked)── │  └──▶ failed ──(retry asked)──▶ pending
//                         └──(alert expired / cancelled)──▶ expired / cancelled
#include <optional>
#include <string>
#include <string_view>

namespace araldo::model {

enum class DeliveryState { pending, sending, sent, retrying, failed, expired, cancelled };

std::string_view to_string(DeliveryState state);
std::optional<DeliveryState> parse_delivery_state(std::string_view name);
// For names read back from the database, which only holds valid ones.
DeliveryState delivery_state_from_db(std::string_view name);

}  // namespace araldo::model
