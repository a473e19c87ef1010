#pragma once
// The personal-data sweep (store/retention_store), in batches until a pass finds nothing;
// the daemon runs a round every ten minutes (Workers::every), on whichever daemons run it
// (SKIP LOCKED shares the rows).
#include <chrono>

#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::retention {

inline constexpr std::chrono::minutes sweep_interval{10};

void sweep_once(store::Database& db, const privacy::Pseudonyms& pseudonyms,
                std::chrono::seconds replay_window, std::chrono::seconds retention);

}  // namespace araldo::retention
