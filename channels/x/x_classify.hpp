#pragma once
#include <chrono>

#include "channels/outcome.hpp"

namespace araldo::channels::x {

// Maps an answer of POST /2/tweets to an Outcome, per shared/platforms.md. `now` turns
// x-rate-limit-reset (Unix seconds) into a wait.
Outcome classify_answer(const Answer& answer, std::chrono::system_clock::time_point now);

}  // namespace araldo::channels::x
