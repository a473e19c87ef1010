#pragma once
// What the emulator remembers and what it has been told to do wrong: received messages
// (for tests to inspect), scripted faults, and answer counts.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/http/http_message.hpp"

namespace araldo::emulator {

// A scripted misbehaviour for the next `remaining` requests to one platform.
struct Fault {
  std::string platform;            // "telegram", or "*" for any
  int remaining = 1;               // -1: until cleared
  int skip = 0;                    // let this many matching requests through first
  std::optional<int> status;       // answer this HTTP status with the platform's error body
  std::optional<int> retry_after;  // for 429
  std::optional<std::string> description;
  std::chrono::milliseconds latency{0};
  bool drop = false;  // reset the connection instead of answering
  // Answer exactly this body (with `status`, 200 if unset) instead of the platform's: an
  // unexpected 200, malformed JSON, a NUL or bytes that are not UTF-8 ("body_hex"), a
  // huge error ("@FILL@" in it becomes fill_bytes of 'x').
  std::optional<std::string> body;
};

class EmulatorState {
 public:
  // `received_at`: the request's arrival (http::Request::received_at), kept as
  // received_at_ms, the wall-clock time tests compare rates with.
  void record(const std::string& platform, boost::json::object message,
              std::chrono::steady_clock::time_point received_at);
  boost::json::array messages(const std::string& platform) const;
  void clear_messages();

  void add_fault(Fault fault);
  void clear_faults();
  // Takes the first fault that applies to `platform`, consuming one use of it.
  std::optional<Fault> take_fault(const std::string& platform);

  // Answers one request to `platform` and counts the answer. The next scripted fault, if
  // any, applies: a dropped connection, an error built by `error_answer`, or added
  // latency on the real answer.
  http::Response answer(const std::string& platform,
                        const std::function<http::Response(const Fault&)>& error_answer,
                        const std::function<http::Response()>& real_answer);

  void count_answer(const std::string& platform, int status);

  // A revoked platform refuses every credential, as after a token is revoked.
  void revoke(const std::string& platform);
  bool revoked(const std::string& platform) const;
  boost::json::object stats() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, boost::json::array> messages_;
  std::deque<Fault> faults_;
  std::map<std::string, std::map<int, long long>> answers_;
  std::set<std::string> revoked_;
};

long long unix_millis();

}  // namespace araldo::emulator
