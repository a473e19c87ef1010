#pragma once
// araldoctl audit watch --keep FILE: a witness of the audit log, for anyone (no API key).
// Each run fetches the heads published since the last one it kept, checks that each is
// signed by the pinned key, that the kept head is still the log's head of that size, and
// that the newest head extends it (an RFC 9162 consistency proof, checked here against
// the two signed roots). Then it appends the newest head to FILE. A fork, a head signed by
// another key or a proof that fails is said loudly, and the exit status is 1.
#include <string>

#include "daemon/ctl/api_client.hpp"
#include "daemon/ctl/exit_codes.hpp"

namespace araldo::ctl {

Exit watch_audit_log(ApiClient& api, const std::string& keep_file, const std::string& public_key,
                     std::ostream& out, std::ostream& err);

}  // namespace araldo::ctl
