#pragma once
// A W3C WebDriver client for tests: starts chromedriver and a headless Chromium (Debian's
// chromium and chromium-driver), and speaks the protocol's JSON over HTTP.
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"

namespace araldo::test_support {

class WebDriver {
 public:
  WebDriver();  // throws std::runtime_error when chromedriver or chromium cannot start
  ~WebDriver();

  void go(const std::string& url);
  // The first element matching a CSS selector; throws when there is none.
  std::string find(const std::string& css);
  void type(const std::string& element, const std::string& text);  // "\ue007" is Enter
  void click(const std::string& element);
  // Runs `script` (a function body; arguments[0...] are `args`) in the page.
  boost::json::value run(const std::string& script, boost::json::array args = {});
  void screenshot(const std::filesystem::path& png);
  // Accepts the page's confirm() dialog.
  void accept_dialog();

 private:
  boost::json::value call(const std::string& method, const std::string& path,
                          const boost::json::value& body = nullptr);
  std::unique_ptr<ChildProcess> driver_;
  std::string url_;
  std::string session_;
};

}  // namespace araldo::test_support
