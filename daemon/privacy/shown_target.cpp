#include "daemon/privacy/shown_target.hpp"

namespace araldo::privacy {

ShownTarget shown_target(const std::string& target, bool personal, const std::string& masked_target,
                         bool mask, const Pseudonyms& pseudonyms) {
  if (is_pseudonym(target)) return {target, target};  // erased
  if (!personal) return {target, std::nullopt};
  return {mask ? masked_target : target, pseudonyms.of(target)};
}

}  // namespace araldo::privacy
