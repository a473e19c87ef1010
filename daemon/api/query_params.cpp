#include "daemon/api/query_params.hpp"

#include <algorithm>
#include <boost/url/parse_query.hpp>
#include <charconv>

#include "daemon/api/alert_id.hpp"
#include "daemon/model/cap_datetime.hpp"

namespace araldo::api {

QueryParams::QueryParams(const http::Request& request, const std::set<std::string>& allowed,
                         const std::set<std::string>& repeatable,
                         std::vector<http::FieldError>& errors)
    : errors_(errors) {
  const auto q = request.target.find('?');
  if (q == std::string::npos) return;
  const auto parsed = boost::urls::parse_query(std::string_view(request.target).substr(q + 1));
  if (!parsed) {
    errors_.push_back(http::in_parameter("?", "the query string is not valid percent-encoding"));
    return;
  }
  for (const auto& p : *parsed) {
    // Percent-decoded ('+' stays '+': a phone number, not a space).
    const std::string key = p.key.decode();
    if (!allowed.contains(key)) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      errors_.push_back(http::in_parameter(key, "unknown parameter (" + names + ")"));
      continue;
    }
    auto& list = values_[key];
    if (!list.empty() && !repeatable.contains(key)) {
      errors_.push_back(http::in_parameter(key, "given twice; it takes one value"));
      continue;
    }
    list.push_back(p.has_value ? p.value.decode() : "");
  }
}

std::optional<std::string> QueryParams::one(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::vector<std::string> QueryParams::all(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::string> QueryParams::time(const std::string& name) {
  auto text = one(name);
  if (!text) return std::nullopt;
  std::string cap = *text;
  if (cap.ends_with("Z")) cap = cap.substr(0, cap.size() - 1) + "+00:00";
  if (!model::parse_cap_datetime(cap)) {
    errors_.push_back(http::in_parameter(
        name, "a time such as 2026-11-29T10:00:00+01:00 or 2026-11-29T09:00:00Z"));
    return std::nullopt;
  }
  return cap;
}

std::optional<long long> QueryParams::positive(const std::string& name) {
  const auto text = one(name);
  if (!text) return std::nullopt;
  long long v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v <= 0) {
    errors_.push_back(http::in_parameter(name, "a positive integer"));
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> QueryParams::uuid(const std::string& name) {
  auto text = one(name);
  if (text && !is_uuid(*text)) errors_.push_back(http::in_parameter(name, "must be a UUID"));
  return text;
}

int QueryParams::limit(int fallback, int max) {
  const auto text = one("limit");
  if (!text) return fallback;
  int v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 1 || v > max) {
    errors_.push_back(http::in_parameter("limit", "1 to " + std::to_string(max)));
    return fallback;
  }
  return v;
}

std::string QueryParams::canonical(const std::set<std::string>& except) const {
  std::string out;
  for (const auto& [key, list] : values_) {
    if (except.contains(key)) continue;
    auto sorted = list;  // the same filters in another order are the same query
    std::sort(sorted.begin(), sorted.end());
    for (const auto& v : sorted) out += key + "=" + v + "&";
  }
  return out;
}

std::string with_parameter(const http::Request& request, const std::string& name,
                           const std::string& value) {
  const auto q = request.target.find('?');
  const std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
  std::string kept;
  for (std::size_t start = 0; start < query.size();) {
    const auto end = std::min(query.find('&', start), query.size());
    const auto part = query.substr(start, end - start);
    if (!part.empty() && !part.starts_with(name + "=")) kept += part + "&";
    start = end + 1;
  }
  return std::string(request.path()) + "?" + kept + name + "=" + value;
}

}  // namespace araldo::api
