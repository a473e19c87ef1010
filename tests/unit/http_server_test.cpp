// The Beast server over real loopback sockets, behind the API's route table: limits,
// keep-alive, errors, percent-decoded paths, and refusals decided before a body is read.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "daemon/api/route_table.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/http/problem.hpp"
#include "tests/support/http_client.hpp"

using namespace araldo;

namespace {
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Routes that need no key: the table never asks this database anything.
    routes_.add({"POST", "/echo", {}, "", 0, [this](const api::Call& c) {
                   ++requests_;
                   return http::Response::json(200, c.request.body);
                 }});
    routes_.add({"GET", "/items/{id}", {}, "", 0, [this](const api::Call& c) {
                   ++requests_;
                   return http::Response::json(
                       200, boost::json::serialize(boost::json::value(c.params.at("id"))));
                 }});
    routes_.add({"GET", "/boom", {}, "", 0, [](const api::Call&) -> http::Response {
                   throw std::runtime_error("boom");
                 }});
    http::ServerOptions o;
    o.body_limit = 1024;
    o.header_timeout = std::chrono::milliseconds(300);
    server_ = std::make_unique<http::HttpServer>(o, [this](const http::Request& head) {
      if (head.path().starts_with("/locked")) {  // as a request without a valid key is
        ++refused_;
        return http::Admission{http::unauthorized("no key").to_response(), 0, {}};
      }
      return routes_.admit(head);
    });
    port_ = server_->start();
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  store::Database db_{config::Secret("host=/nonexistent"), 1};
  api::RouteTable routes_{db_, 1024};
  std::atomic<int> refused_{0};
  std::unique_ptr<http::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> requests_{0};
};

std::string problem_type(const test_support::HttpResult& r) {
  return std::string(boost::json::parse(r.body).at("type").as_string());
}

int raw_connect(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}
// Sends `request` on a new connection and reads until the server closes it. The receive
// timeout is only the test's deadline: a server that never closes fails the read.
std::string send_and_read_to_close(std::uint16_t port, const std::string& request) {
  int fd = raw_connect(port);
  EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  timeval deadline{60, 0};
  EXPECT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof(deadline)), 0);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) got.append(buf, n);
  close(fd);
  return got;
}
}  // namespace

TEST_F(ServerTest, RoutesWithParamsAndAnswers404And405AsProblems) {
  auto ok = test_support::http_request("GET", url("/items/abc"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "\"abc\"");

  auto missing = test_support::http_request("GET", url("/nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers.find("Content-Type").value_or(""), "application/problem+json");

  auto wrong = test_support::http_request("DELETE", url("/echo"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.find("Allow").value_or(""), "POST");
}

TEST_F(ServerTest, BodyOverTheLimitIs413AndNeverReachesTheHandler) {
  auto r = test_support::http_request("POST", url("/echo"), {{"Content-Type", "application/json"}},
                                      std::string(2048, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(problem_type(r), "urn:araldo:problem:body-too-large");
  EXPECT_EQ(requests_.load(), 0);
  EXPECT_EQ(test_support::http_request("POST", url("/echo"), {}, std::string(1000, 'x')).status,
            200);
}

TEST_F(ServerTest, HandlerExceptionBecomes500ProblemAndServerKeepsServing) {
  auto r = test_support::http_request("GET", url("/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(problem_type(r), "urn:araldo:problem:internal-error");
  EXPECT_EQ(r.body.find("boom"), std::string::npos);  // internals stay in the log
  EXPECT_EQ(test_support::http_request("GET", url("/items/1")).status, 200);
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  int fd = raw_connect(port_);
  const std::string two =
      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, two.data(), two.size()), static_cast<ssize_t>(two.size()));
  std::string got;
  char buf[4096];
  while (got.find("\"2\"") == std::string::npos) {
    auto n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, n);
  }
  close(fd);
  EXPECT_NE(got.find("\"1\""), std::string::npos);
  EXPECT_NE(got.find("\"2\""), std::string::npos);
}

TEST_F(ServerTest, MalformedRequestIs400AndSilentClientIsCutOff) {
  int fd = raw_connect(port_);
  const std::string junk = "NOT HTTP AT ALL\r\n\r\n";
  ASSERT_GT(write(fd, junk.data(), junk.size()), 0);
  char buf[4096];
  std::string got;
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) got.append(buf, n);
  close(fd);
  EXPECT_NE(got.find("400 Bad Request"), std::string::npos) << got;

  // A client that sends nothing is disconnected after the header timeout (300 ms).
  // The receive timeout is only the test's deadline: a server that never cuts the client
  // off makes read() fail with EAGAIN instead of returning end-of-file.
  fd = raw_connect(port_);
  timeval deadline{60, 0};
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof(deadline)), 0);
  EXPECT_EQ(read(fd, buf, sizeof(buf)), 0);
  close(fd);
}

TEST_F(ServerTest, PathSegmentsArePercentDecodedAndAnUndecodablePathIs400) {
  auto plus = test_support::http_request("GET", url("/items/%2B393331234567"));
  EXPECT_EQ(plus.status, 200);
  EXPECT_EQ(plus.body, "\"+393331234567\"");
  auto space = test_support::http_request("GET", url("/items/sala%20operativa"));
  EXPECT_EQ(space.body, "\"sala operativa\"");
  auto bad = test_support::http_request("GET", url("/items/%zz"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(problem_type(bad), "urn:araldo:problem:malformed-path");
}

// A refused request (no key, in the API) is answered from its header: a large upload is
// never read, and a small one is read and dropped so the connection can be used again.
TEST_F(ServerTest, ARefusalIsAnsweredBeforeTheBodyIsRead) {
  auto got = send_and_read_to_close(port_,
                                    "POST /locked/import HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                    "text/csv\r\nContent-Length: 15000000\r\n\r\n");
  // Answered with not one byte of the 15 MB sent, and the connection closed.
  EXPECT_NE(got.find("401 Unauthorized"), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_EQ(refused_.load(), 1);

  int fd = raw_connect(port_);
  char buf[4096];
  const std::string two =
      "POST /locked HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /items/after HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, two.data(), two.size()), static_cast<ssize_t>(two.size()));
  got.clear();
  while (got.find("\"after\"") == std::string::npos) {
    auto n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, n);
  }
  close(fd);
  EXPECT_NE(got.find("401 Unauthorized"), std::string::npos) << got;
  EXPECT_NE(got.find("\"after\""), std::string::npos) << got;  // same connection, served
}

TEST_F(ServerTest, AMalformedChunkedBodyIsAnswered400) {
  const auto got = send_and_read_to_close(
      port_, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
  EXPECT_NE(got.find("400 Bad Request"), std::string::npos) << got;
  EXPECT_NE(got.find("malformed-http"), std::string::npos) << got;
  EXPECT_EQ(requests_.load(), 0);
}

// A problem document quotes what the client sent; the document must stay valid UTF-8
// JSON, and say whether a problem is in the body, a parameter or a header.
TEST(ProblemDocument, QuotedBytesStayValidUtf8AndWhereIsNamedByKind) {
  const auto r = http::bad_request("invalid-address", "'\xff\xfe+39' is not an E.164 number",
                                   {http::in_parameter("address", "digits only"),
                                    http::in_header("Idempotency-Key", "too long"),
                                    {"/severity", "required"}})
                     .to_response();
  boost::system::error_code ec;
  const auto doc = boost::json::parse(r.body, ec);  // Boost.JSON refuses invalid UTF-8
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(doc.at("detail").as_string(), "'\xEF\xBF\xBD\xEF\xBF\xBD+39' is not an E.164 number");
  const auto& errors = doc.at("errors").as_array();
  EXPECT_EQ(errors.at(0).at("parameter").as_string(), "address");
  EXPECT_FALSE(errors.at(0).as_object().contains("pointer"));
  EXPECT_EQ(errors.at(1).at("header").as_string(), "Idempotency-Key");
  EXPECT_EQ(errors.at(2).at("pointer").as_string(), "/severity");
}

namespace {

struct BusyServerRun {
  std::chrono::steady_clock::time_point busy_returned;  // the only thread was free again
  std::chrono::steady_clock::time_point received_at;    // of the request sent meanwhile
};

// The server's only thread is held by one request while another arrives; returns when
// the busy one was let go and what the second request says of its own arrival.
BusyServerRun a_request_arrives_while_the_server_is_busy(bool arrival_times) {
  std::atomic<bool> busy_started{false}, second_sent{false};
  BusyServerRun run;
  http::ServerOptions o;
  o.threads = 1;
  o.arrival_times = arrival_times;
  http::HttpServer server(o, [&](const http::Request& r) {
    if (r.path() == "/busy") {
      busy_started = true;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!second_sent && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      run.busy_returned = std::chrono::steady_clock::now();
    } else {
      run.received_at = r.received_at;
    }
    return http::Response::json(200, "{}");
  });
  const auto port = server.start();
  std::thread busy([&] {
    send_and_read_to_close(port, "GET /busy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  });
  while (!busy_started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Once its write returned, the kernel holds the second request's bytes (loopback hands
  // them over within the write): only then may the busy handler end.
  const int fd = raw_connect(port);
  const std::string second = "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(write(fd, second.data(), second.size()), static_cast<ssize_t>(second.size()));
  second_sent = true;
  char buf[4096];
  timeval deadline{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof(deadline));
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  close(fd);
  busy.join();
  return run;
}

}  // namespace

// The emulator counts the platforms' rate limits by arrival: a request that arrived while
// it was busy keeps the time it arrived, not the time a thread got to it.
TEST(ServerArrivalTimes, ARequestKeepsTheTimeItArrivedNotTheTimeItWasRead) {
  const auto stamped = a_request_arrives_while_the_server_is_busy(true);
  EXPECT_LT(stamped.received_at, stamped.busy_returned);
  const auto plain = a_request_arrives_while_the_server_is_busy(false);
  EXPECT_GT(plain.received_at, plain.busy_returned);
}

// A failed request's path goes into the log: a subscriber's number in it does not.
TEST(LoggableTarget, LongDigitRunsAreMaskedAndTheRestKept) {
  EXPECT_EQ(http::loggable_target("/v1/channels/wa/subscribers/%2B393331234567"),
            "/v1/channels/wa/subscribers/%2B***");
  EXPECT_EQ(http::loggable_target("/v1/channels/tg/subscribers/5550001?x=12345"),
            "/v1/channels/tg/subscribers/***?x=12345");
  EXPECT_EQ(http::loggable_target("/v1/alerts/42/retry"), "/v1/alerts/42/retry");
  EXPECT_EQ(http::loggable_target("123456"), "***");
  EXPECT_EQ(http::loggable_target(""), "");
}
