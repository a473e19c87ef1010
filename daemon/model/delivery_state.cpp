#include "daemon/model/delivery_state.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace araldo::model {
namespace {

constexpr std::array<std::pair<DeliveryState, std::string_view>, 7> names{{
    {DeliveryState::pending, "pending"},
    {DeliveryState::sending, "sending"},
    {DeliveryState::sent, "sent"},
    {DeliveryState::retrying, "retrying"},
    {DeliveryState::failed, "failed"},
    {DeliveryState::expired, "expired"},
    {DeliveryState::cancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(DeliveryState state) {
  for (const auto& [s, name] : names) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<DeliveryState> parse_delivery_state(std::string_view name) {
  for (const auto& [s, n] : names) {
    if (n == name) return s;
  }
  return std::nullopt;
}

DeliveryState delivery_state_from_db(std::string_view name) {
  if (auto s = parse_delivery_state(name)) return *s;
  throw std::runtime_error("unknown delivery state in the database: '" + std::string(name) + "'");
}

}  // namespace araldo::model
