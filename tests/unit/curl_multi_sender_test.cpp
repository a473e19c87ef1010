// The sender against a real loopback server: concurrency, and transport errors as values.
#include <gtest/gtest.h>

#include "daemon/dispatch/curl_multi_sender.hpp"
#include "daemon/http/http_server.hpp"

#include <thread>

using namespace araldo;
using namespace std::chrono;

namespace {
std::vector<dispatch::CurlMultiSender::Completion> drain(dispatch::CurlMultiSender& s,
                                                         std::size_t want) {
  std::vector<dispatch::CurlMultiSender::Completion> done;
  const auto deadline = steady_clock::now() + seconds(20);
  while (done.size() < want && steady_clock::now() < deadline) {
    for (auto& c : s.poll(milliseconds(100))) done.push_back(std::move(c));
  }
  return done;
}

channels::OutgoingRequest post(std::uint16_t port, const std::string& path) {
  channels::OutgoingRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + path;
  r.body = "{}";
  r.headers.set("Content-Type", "application/json");
  return r;
}
}  // namespace

TEST(CurlMultiSender, RunsRequestsConcurrentlyOnOneThread) {
  http::ServerOptions o;
  o.threads = 1;  // answers are delayed by timers, not threads
  http::HttpServer server(o, [](const http::Request& r) {
    auto resp = http::Response::json(200, "{\"path\":\"" + r.target + "\"}");
    resp.delay = milliseconds(300);
    resp.headers.set("X-Test", "yes");
    return resp;
  });
  const auto port = server.start();
  dispatch::CurlMultiSender sender;
  const auto start = steady_clock::now();
  for (std::uint64_t i = 0; i < 20; ++i)
    sender.submit(i, post(port, "/r" + std::to_string(i)), seconds(10));
  auto done = drain(sender, 20);
  ASSERT_EQ(done.size(), 20u);
  // Twenty 300 ms answers in well under 20 × 300 ms: they were in flight together.
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
  for (const auto& c : done) {
    const auto& reply = std::get<channels::HttpReply>(c.answer);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.headers.find("x-test").value_or(""), "yes");
    EXPECT_NE(reply.body.find("/r" + std::to_string(c.tag)), std::string::npos);
  }
  EXPECT_EQ(sender.in_flight(), 0u);
}

TEST(CurlMultiSender, TimeoutsResetsAndRefusalsAreTypedTransportErrors) {
  http::HttpServer server({}, [](const http::Request& r) {
    http::Response resp = http::Response::json(200, "{}");
    if (r.target == "/slow") resp.delay = milliseconds(2000);
    if (r.target == "/drop") resp.drop_connection = true;
    return resp;
  });
  const auto port = server.start();
  dispatch::CurlMultiSender sender;
  sender.submit(1, post(port, "/slow"), milliseconds(200));
  sender.submit(2, post(port, "/drop"), seconds(5));
  sender.submit(3, post(1, "/refused"), seconds(5));  // nothing listens on port 1
  auto done = drain(sender, 3);
  ASSERT_EQ(done.size(), 3u);
  for (const auto& c : done) {
    ASSERT_TRUE(std::holds_alternative<channels::TransportError>(c.answer)) << c.tag;
    const auto kind = std::get<channels::TransportError>(c.answer).kind;
    using K = channels::TransportError::Kind;
    const K expected = c.tag == 1 ? K::timeout : c.tag == 2 ? K::reset : K::connect;
    EXPECT_EQ(kind, expected) << "tag " << c.tag;
  }
}

TEST(CurlMultiSender, AnAnswerAlreadyWaitingIsReturnedWithoutSleepingMaxWait) {
  http::HttpServer server({}, [](const http::Request&) { return http::Response::json(200, "{}"); });
  const auto port = server.start();
  dispatch::CurlMultiSender sender;
  sender.submit(1, post(port, "/quick"), seconds(10));
  // Let the request go out and its answer land in the socket buffer, unread.
  std::vector<dispatch::CurlMultiSender::Completion> done = sender.poll(milliseconds(50));
  std::this_thread::sleep_for(milliseconds(300));
  const auto start = steady_clock::now();
  if (done.empty()) done = sender.poll(seconds(30));
  // Regression: poll() used to finish the transfer, then block in curl_multi_poll for
  // the whole 30 s because no socket was left to wake it.
  EXPECT_LT(steady_clock::now() - start, seconds(5));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(std::get<channels::HttpReply>(done[0].answer).status, 200);
}
