#include "daemon/privacy/shown_target.hpp"

#include <algorithm>
#include <cctype>

namespace araldo::privacy {

bool is_personal_target(const std::string& channel_type, const std::string& target) {
  if (channel_type == "whatsapp") return true;
  return channel_type == "telegram" && !target.empty() && target[0] != '0' &&
         std::all_of(target.begin(), target.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

ShownTarget shown_target(const std::string& channel_type, const std::string& target, bool mask,
                         const Pseudonyms& pseudonyms) {
  if (is_pseudonym(target)) return {target, target};  // erased
  if (!is_personal_target(channel_type, target)) return {target, std::nullopt};
  return {mask ? masked(target) : target, pseudonyms.of(target)};
}

}  // namespace araldo::privacy
