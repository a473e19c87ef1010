#pragma once
// The tests' one way to wait: poll a condition until it holds or a generous deadline
// passes (never a fixed sleep, never a speed).
#include <chrono>
#include <functional>

namespace araldo::test_support {

bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(15),
                std::chrono::milliseconds poll = std::chrono::milliseconds(20));

}  // namespace araldo::test_support
