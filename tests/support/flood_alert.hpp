#pragma once
// The alert the store's tests write: a Severe flood, in Italian, by "ops".
#include <string>

#include "daemon/store/alert_store.hpp"

namespace araldo::test_support {

inline store::NewAlert flood_alert(const std::string& headline = "Allerta") {
  store::NewAlert n;
  n.alert.headline = headline;
  n.alert.event = "Flood";
  n.alert.categories = {"Met"};
  n.alert.severity = "Severe";
  n.alert.urgency = "Immediate";
  n.alert.certainty = "Observed";
  n.alert.language = "it";
  n.actor = "ops";
  return n;
}

}  // namespace araldo::test_support
