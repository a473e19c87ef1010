#pragma once
// A Graph API answer to a Page post, classified by error code and subcode (the HTTP
// status says little: most errors are 400).
#include "channels/outcome.hpp"

namespace araldo::channels::facebook {

Outcome classify_answer(const Answer& answer);

}  // namespace araldo::channels::facebook
