#pragma once
// Runs a program of ours (araldod, the emulator) as a child, reading its output so a
// test can wait for "listening on ..." and learn the port it bound.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace araldo::test_support {

class ChildProcess {
 public:
  ChildProcess(std::string program, std::vector<std::string> args,
               std::map<std::string, std::string> env = {});
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits for a line of output (stdout or stderr) matching `pattern`; returns the
  // match's groups as copies (group 0 is the whole match).
  std::optional<std::vector<std::string>> wait_for_line(const std::regex& pattern,
                                                        std::chrono::milliseconds timeout);
  void signal(int sig);
  // Waits for exit; the exit status (128+signal when killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string output() const;
  pid_t pid() const { return pid_; }  // for benchmarks that read its CPU time

 private:
  void read_loop(int fd);

  pid_t pid_ = -1;
  std::optional<int> status_;
  mutable std::mutex mutex_;
  std::string output_;
  std::vector<std::string> lines_;
  std::thread reader_;
};

}  // namespace araldo::test_support
