#include "tests/support/webdriver.hpp"

#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "tests/support/http_client.hpp"

namespace araldo::test_support {
namespace {

const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

WebDriver::WebDriver() {
  const int port = free_port();
  driver_ = std::make_unique<ChildProcess>(
      "/usr/bin/chromedriver", std::vector<std::string>{"--port=" + std::to_string(port)});
  if (!driver_->wait_for_line(std::regex("started successfully"), std::chrono::seconds(30))) {
    throw std::runtime_error("chromedriver did not start: " + driver_->output());
  }
  url_ = "http://127.0.0.1:" + std::to_string(port);
  boost::json::object options{
      {"binary", "/usr/bin/chromium"},
      // Root in CI has no user namespace sandbox; /dev/shm may be small in containers.
      {"args",
       {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1000", "--lang=it-IT"}}};
  const auto session =
      call("POST", "/session",
           boost::json::object{
               {"capabilities",
                {{"alwaysMatch", {{"browserName", "chrome"}, {"goog:chromeOptions", options}}}}}});
  session_ = std::string(session.at("sessionId").as_string());
}

WebDriver::~WebDriver() {
  try {
    if (!session_.empty()) call("DELETE", "/session/" + session_);
  } catch (...) {
  }
}

boost::json::value WebDriver::call(const std::string& method, const std::string& path,
                                   const boost::json::value& body) {
  const auto r = http_request(
      method, url_ + path, {{"Content-Type", "application/json"}},
      body.is_null() ? std::string(method == "POST" ? "{}" : "") : boost::json::serialize(body));
  boost::system::error_code ec;
  auto doc = boost::json::parse(r.body, ec);
  if (ec || !doc.is_object()) {
    throw std::runtime_error("WebDriver " + method + " " + path + ": HTTP " +
                             std::to_string(r.status) + " " + r.body);
  }
  auto value = doc.as_object()["value"];
  if (r.status != 200) {
    throw std::runtime_error("WebDriver " + method + " " + path + ": " +
                             boost::json::serialize(value));
  }
  return value;
}

void WebDriver::go(const std::string& url) {
  call("POST", "/session/" + session_ + "/url", boost::json::object{{"url", url}});
}

std::string WebDriver::find(const std::string& css) {
  const auto v = call("POST", "/session/" + session_ + "/element",
                      boost::json::object{{"using", "css selector"}, {"value", css}});
  return std::string(v.at(kElement).as_string());
}

void WebDriver::type(const std::string& element, const std::string& text) {
  call("POST", "/session/" + session_ + "/element/" + element + "/value",
       boost::json::object{{"text", text}});
}

void WebDriver::click(const std::string& element) {
  call("POST", "/session/" + session_ + "/element/" + element + "/click", boost::json::object{});
}

boost::json::value WebDriver::run(const std::string& script, boost::json::array args) {
  return call("POST", "/session/" + session_ + "/execute/sync",
              boost::json::object{{"script", script}, {"args", std::move(args)}});
}

void WebDriver::accept_dialog() {
  call("POST", "/session/" + session_ + "/alert/accept", boost::json::object{});
}

void WebDriver::screenshot(const std::filesystem::path& png) {
  const auto v = call("GET", "/session/" + session_ + "/screenshot");
  const std::string b64(v.as_string());
  std::string bytes(b64.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) throw std::runtime_error("screenshot: not base64");
  std::size_t pad = 0;
  while (pad < 2 && pad < b64.size() && b64[b64.size() - 1 - pad] == '=') ++pad;
  bytes.resize(static_cast<std::size_t>(n) - pad);
  std::filesystem::create_directories(png.parent_path());
  std::ofstream(png, std::ios::binary) << bytes;
}

}  // namespace araldo::test_support
