#pragma once
// A Cloud API answer, classified by Graph error code: throughput limits slow the number
// down, a bad recipient fails that recipient only, bad credentials stop the channel.
#include "channels/outcome.hpp"

namespace araldo::channels::whatsapp {

Outcome classify_answer(const Answer& answer);

}  // namespace araldo::channels::whatsapp
