#pragma once
// The two-person rule: alerts of these severities are held, nothing claimed, until an
// operator other than their author approves them (alerts.approval in the configuration).
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace araldo::intake {

struct ApprovalPolicy {
  std::vector<std::string> severities;  // empty: no alert needs approval
  std::chrono::seconds timeout{1800};   // an unanswered request expires, nothing sent

  bool applies_to(const std::string& severity) const {
    return std::find(severities.begin(), severities.end(), severity) != severities.end();
  }
};

}  // namespace araldo::intake
