#pragma once
// A delivery's target as a reader may see it. A citizen's number or private chat id is
// personal data (the database says which: store's `personal`, from schema/018): auditors
// see it masked, with its pseudonym; operators, who must reach the citizen, see it whole.
// Public targets are shown as they are.
#include <optional>
#include <string>

#include "daemon/privacy/pseudonyms.hpp"

namespace araldo::privacy {

struct ShownTarget {
  std::string target;                    // whole, or masked
  std::optional<std::string> pseudonym;  // for a personal target
};

ShownTarget shown_target(const std::string& target, bool personal, const std::string& masked_target,
                         bool mask, const Pseudonyms& pseudonyms);

}  // namespace araldo::privacy
