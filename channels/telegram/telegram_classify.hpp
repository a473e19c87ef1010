#pragma once
#include "channels/outcome.hpp"

namespace araldo::channels::telegram {

// Maps a Bot API answer to an Outcome, per the table in shared/platforms.md.
Outcome classify_answer(const Answer& answer);

}  // namespace araldo::channels::telegram
