#pragma once
// Every benchmark's figures as JSON too: one object per line (JSON Lines), appended to the
// file named by $ARALDO_BENCH_JSON when it is set (bench/run-bench.sh sets it).
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

namespace araldo::bench {

inline void record_result(const boost::json::object& result) {
  const char* path = std::getenv("ARALDO_BENCH_JSON");
  if (!path || !*path) return;
  std::ofstream(path, std::ios::app) << boost::json::serialize(result) << "\n";
}

// A process's peak resident memory so far (VmHWM), in MiB; 0 if it cannot be read.
inline double peak_rss_mib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
  }
  return 0;
}

}  // namespace araldo::bench
