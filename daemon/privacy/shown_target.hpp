#pragma once
// A delivery's target as a reader may see it. A citizen's number or private chat id
// (WhatsApp targets; positive Telegram chat ids: groups and channels are negative or
// @names) is personal data: auditors see it masked, with its pseudonym; operators, who
// must reach the citizen, see it whole. Public targets are shown as they are. The same
// rule as schema/018's deliveries_for_auditors.
#include <optional>
#include <string>

#include "daemon/privacy/pseudonyms.hpp"

namespace araldo::privacy {

bool is_personal_target(const std::string& channel_type, const std::string& target);

struct ShownTarget {
  std::string target;                    // whole, or masked
  std::optional<std::string> pseudonym;  // for a personal target
};

ShownTarget shown_target(const std::string& channel_type, const std::string& target, bool masked,
                         const Pseudonyms& pseudonyms);

}  // namespace araldo::privacy
