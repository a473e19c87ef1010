#pragma once
// araldoctl inbox: what citizens wrote, for the citizens' relations office (operator keys):
// list, show, assign, reply. A reply goes out at once through the citizen's channel.
#include <string>

#include "daemon/ctl/commands.hpp"

namespace araldo::ctl {

Exit list_inbox(Context& c, const std::string& state);
Exit show_conversation(Context& c, const std::string& id);
// Exactly one of `person` and `role`.
Exit assign_conversation(Context& c, const std::string& id, const std::string& person,
                         const std::string& role);
// `text`: the reply, or "-" to read it from standard input.
Exit reply_to_conversation(Context& c, const std::string& id, const std::string& text);

}  // namespace araldo::ctl
