// Delivery states: every name the database's CHECK constraint allows maps to one enum
// value and back; anything else is refused.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "daemon/model/delivery_state.hpp"

using araldo::model::DeliveryState;
namespace model = araldo::model;

TEST(DeliveryState, EveryNameInTheSchemaRoundTripsAndNothingElseParses) {
  // The list in the deliveries table's CHECK constraint (schema/003), written out again.
  const std::set<std::string> schema{"pending", "sending", "sent",     "retrying",
                                     "failed",  "expired", "cancelled"};
  std::set<DeliveryState> seen;
  for (const auto& name : schema) {
    const auto s = model::parse_delivery_state(name);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(model::to_string(*s), name);
    seen.insert(*s);
  }
  EXPECT_EQ(seen.size(), schema.size());
  for (const char* bad : {"", "Sent", "sent ", "delivered", "dead"}) {
    EXPECT_FALSE(model::parse_delivery_state(bad)) << bad;
  }
  EXPECT_THROW(model::delivery_state_from_db("delivered"), std::runtime_error);
}
