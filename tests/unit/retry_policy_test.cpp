#include <gtest/gtest.h>

#include "daemon/delivery/retry_policy.hpp"

using namespace araldo;
using namespace std::chrono;
using channels::Outcome;

TEST(RetryPolicy, BackoffDoublesUpToTheCap) {
  delivery::RetryPolicy p;
  p.base = milliseconds(1000);
  p.cap = milliseconds(60'000);
  p.jitter = 0.0;
  EXPECT_EQ(delivery::backoff(p, 1, 0.5), milliseconds(1000));
  EXPECT_EQ(delivery::backoff(p, 2, 0.5), milliseconds(2000));
  EXPECT_EQ(delivery::backoff(p, 5, 0.5), milliseconds(16'000));
  EXPECT_EQ(delivery::backoff(p, 7, 0.5), milliseconds(60'000));
  EXPECT_EQ(delivery::backoff(p, 500, 0.5), milliseconds(60'000));
}

TEST(RetryPolicy, JitterStaysWithinItsBand) {
  delivery::RetryPolicy p;
  p.base = milliseconds(1000);
  p.jitter = 0.2;
  EXPECT_EQ(delivery::backoff(p, 1, 0.0), milliseconds(800));
  EXPECT_EQ(delivery::backoff(p, 1, 0.5), milliseconds(1000));
  EXPECT_EQ(delivery::backoff(p, 1, 0.999999), milliseconds(1199));
}

TEST(RetryPolicy, DecidesFromTheOutcome) {
  delivery::RetryPolicy p;
  p.jitter = 0;
  const auto valid = hours(1);
  auto sent = delivery::decide(p, Outcome::delivered("42"), 1, 0.5, valid);
  EXPECT_EQ(sent.next_state, araldo::model::DeliveryState::sent);

  auto wait = delivery::decide(p, Outcome::retry_after(seconds(7), channels::Scope::channel, "429"),
                               10, 0.5, valid);
  EXPECT_EQ(
      wait.next_state,
      araldo::model::DeliveryState::retrying);  // a signalled wait never exhausts the attempts
  EXPECT_EQ(wait.retry_in, milliseconds(7000));

  auto transient = delivery::decide(p, Outcome::transient("HTTP 500"), 2, 0.5, valid);
  EXPECT_EQ(transient.next_state, araldo::model::DeliveryState::retrying);
  EXPECT_EQ(transient.retry_in, milliseconds(2000));

  // However many attempts, nothing is given up while the alert is valid ...
  auto many = delivery::decide(p, Outcome::transient("HTTP 500"), 400, 0.5, valid);
  EXPECT_EQ(many.next_state, araldo::model::DeliveryState::retrying);
  EXPECT_EQ(many.retry_in, p.cap < valid ? p.cap : duration_cast<milliseconds>(valid));
  // ... nor retried past its end ...
  auto last = delivery::decide(p, Outcome::transient("HTTP 500"), 9, 0.5, milliseconds(1500));
  EXPECT_EQ(last.retry_in, milliseconds(1500));
  // ... and given up once it no longer is.
  auto over = delivery::decide(p, Outcome::transient("HTTP 500"), 31, 0.5, milliseconds(0));
  EXPECT_EQ(over.next_state, araldo::model::DeliveryState::failed);
  EXPECT_NE(over.reason.find("gave up after 31 attempts, the alert is no longer valid: HTTP 500"),
            std::string::npos);

  auto permanent = delivery::decide(p, Outcome::permanent("chat not found"), 1, 0.5, valid);
  EXPECT_EQ(permanent.next_state, araldo::model::DeliveryState::failed);
  EXPECT_EQ(permanent.reason, "chat not found");
}

TEST(RetryPolicy, ChannelWideFailureParksTheDeliveryInsteadOfBurningIt) {
  delivery::RetryPolicy p;
  p.channel_failure_pause = milliseconds(300'000);
  auto d =
      delivery::decide(p, Outcome::permanent("401", channels::Scope::channel), 1, 0.5, hours(1));
  EXPECT_EQ(d.next_state, araldo::model::DeliveryState::retrying);
  EXPECT_EQ(d.retry_in, milliseconds(300'000));
  EXPECT_NE(d.reason.find("channel stopped"), std::string::npos);
}
