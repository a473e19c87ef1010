#pragma once
// What the C++ benchmarks share: the alert they queue, their figures as JSON, and a
// process's peak memory.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

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
