#include "daemon/metrics/registry.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace araldo::metrics {
namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

std::string label_set(const Labels& labels, const std::string& extra_name = "",
                      const std::string& extra_value = "") {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    out += k + "=\"" + escape_label(v) + "\"";
    first = false;
  }
  if (!extra_name.empty()) {
    if (!first) out += ",";
    out += extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

const char* type_name(Type t) {
  switch (t) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::vector<double> latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
}

void Registry::describe(const std::string& name, Type type, const std::string& help,
                        std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  auto& f = families_[name];
  f.type = type;
  f.help = help;
  f.bounds = std::move(buckets);
}

Registry::Family& Registry::family(const std::string& name, Type expected) {
  const auto it = families_.find(name);
  if (it == families_.end() || it->second.type != expected) {
    throw std::logic_error("metric " + name + " used before it was described as " +
                           type_name(expected));
  }
  return it->second;
}

void Registry::inc(const std::string& name, const Labels& labels, double by) {
  std::lock_guard lock(mutex_);
  family(name, Type::counter).series[labels].value += by;
}

void Registry::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  family(name, Type::gauge).series[labels].value = value;
}

void Registry::clear(const std::string& name) {
  std::lock_guard lock(mutex_);
  family(name, Type::gauge).series.clear();
}

void Registry::observe(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Type::histogram);
  auto& s = f.series[labels];
  if (s.buckets.empty()) s.buckets.assign(f.bounds.size(), 0);
  for (std::size_t i = 0; i < f.bounds.size(); ++i) {
    if (value <= f.bounds[i]) s.buckets[i] += 1;
  }
  s.sum += value;
  s.count += 1;
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + type_name(f.type) + "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.type != Type::histogram) {
        out += name + label_set(labels) + " " + number(s.value) + "\n";
        continue;
      }
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        out += name + "_bucket" + label_set(labels, "le", number(f.bounds[i])) + " " +
               number(s.buckets[i]) + "\n";
      }
      out += name + "_bucket" + label_set(labels, "le", "+Inf") + " " + number(s.count) + "\n";
      out += name + "_sum" + label_set(labels) + " " + number(s.sum) + "\n";
      out += name + "_count" + label_set(labels) + " " + number(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace araldo::metrics
