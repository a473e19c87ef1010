// The Beast server over real loopback sockets: limits, keep-alive, errors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>

#include "daemon/api/router.hpp"
#include "daemon/http/http_server.hpp"
#include "tests/support/http_client.hpp"

using namespace araldo;

namespace {
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("POST", "/echo", [](const http::Request& r, const api::PathParams&) {
      return http::Response::json(200, r.body);
    });
    router_.add("GET", "/items/{id}", [](const http::Request&, const api::PathParams& p) {
      return http::Response::json(200, "\"" + p.at("id") + "\"");
    });
    router_.add("GET", "/boom", [](const http::Request&, const api::PathParams&) -> http::Response {
      throw std::runtime_error("boom");
    });
    http::ServerOptions o;
    o.body_limit = 1024;
    o.header_timeout = std::chrono::milliseconds(300);
    server_ = std::make_unique<http::HttpServer>(o, [this](const http::Request& r) {
      ++requests_;
      return router_.handle(r);
    });
    port_ = server_->start();
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  api::Router router_;
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
