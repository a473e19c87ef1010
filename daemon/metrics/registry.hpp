#pragma once
// Counters, gauges and histograms kept in this process, written in the Prometheus text
// exposition format (version 0.0.4). Debian 12 packages no Prometheus client library for
// C++, and the format is a few lines of text. Families are described once, at start;
// updating one not described is a programming error (std::logic_error).
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace araldo::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Type { counter, gauge, histogram };

class Registry {
 public:
  void describe(const std::string& name, Type type, const std::string& help,
                std::vector<double> buckets = {});
  void inc(const std::string& name, const Labels& labels = {}, double by = 1);
  void set(const std::string& name, const Labels& labels, double value);
  void observe(const std::string& name, const Labels& labels, double value);
  // Drops a gauge family's samples, before a scrape writes them again (a channel gone
  // from the queue should not keep its last depth).
  void clear(const std::string& name);

  std::string render() const;

 private:
  struct Series {
    double value = 0;             // counter or gauge
    std::vector<double> buckets;  // histogram: cumulative counts per upper bound
    double sum = 0;
    double count = 0;
  };
  struct Family {
    Type type = Type::counter;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, Series> series;
  };
  Family& family(const std::string& name, Type expected);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// Latency buckets in seconds, from 5 ms to 2 minutes.
std::vector<double> latency_buckets();

}  // namespace araldo::metrics
