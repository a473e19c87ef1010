#pragma once
// What the C++ benchmarks share: the alert they queue, their figures as JSON, and a
// process's peak memory.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "daemon/model/alert.hpp"

namespace araldo::bench {

// Wall-clock milliseconds, comparable with the emulator's received_at_ms.
inline long long now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The p-quantile (0..1) of v; 0 for none.
inline double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// Says what went wrong with a process's output (cut short), for main() to return.
inline int fail(const std::string& what, const std::string& output) {
  std::cerr << "bench: " << what << "\n" << output.substr(0, 4000) << "\n";
  return 1;
}

// The alert every fan-out benchmark sends: a flood warning in Italian.
inline model::Alert flood_alert() {
  model::Alert a;
  a.headline = "Allerta";
  a.event = "Flood";
  a.categories = {"Met"};
  a.severity = "Extreme";
  a.urgency = "Immediate";
  a.certainty = "Observed";
  a.language = "it";
  return a;
}

// Every benchmark's figures as JSON too: one object per line (JSON Lines), appended to the
// file named by $ARALDO_BENCH_JSON when it is set (bench/run-bench.sh sets it).
inline void record_result(const boost::json::object& result) {
  const char* path = std::getenv("ARALDO_BENCH_JSON");
  if (!path || !*path) return;
  std::ofstream(path, std::ios::app) << boost::json::serialize(result) << "\n";
}

// One process's /proc/<pid>/stat: its command name and its CPU times in seconds (its own,
// and what it reaped of children that exited). nullopt once it has exited.
struct ProcessTimes {
  std::string command;
  double own = 0, reaped_children = 0;
};
inline std::optional<ProcessTimes> process_times(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  const auto open = line.find('('), close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(rest), {}};
  if (f.size() < 15) return std::nullopt;
  // stat's fields 14-17 (utime, stime, cutime, cstime), counted here from field 3.
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ProcessTimes{line.substr(open + 1, close - open - 1),
                      (std::stod(f[11]) + std::stod(f[12])) / tick,
                      (std::stod(f[13]) + std::stod(f[14])) / tick};
}

// CPU seconds (user + system) a process has used so far; 0 once it has exited.
inline double cpu_seconds(int pid) {
  const auto t = process_times(std::to_string(pid));
  return t ? t->own : 0;
}

// CPU seconds PostgreSQL's processes on this machine have used so far: every live
// `postgres` process, and what the postmaster reaped of those that exited (only it has
// children). The difference over a run is PostgreSQL's CPU for it, a figure the machine's
// other load disturbs far less than a rate.
inline double postgres_cpu_seconds() {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto t = process_times(pid);  // nullopt: exited meanwhile
    if (t && t->command == "postgres") total += t->own + t->reaped_children;
  }
  return total;
}

// A process's peak resident memory so far (VmHWM), in MiB; 0 if it cannot be read.
inline double rss_mib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
  }
  return 0;
}

inline double peak_rss_mib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
  }
  return 0;
}

}  // namespace araldo::bench
