#pragma once
// The intake's section of araldod.yaml (`alerts:`): the defaults an alert is completed
// with, group commit, the public archive's address and the two-person rule.
#include "daemon/config/section.hpp"
#include "daemon/intake/approval_policy.hpp"
#include "daemon/intake/group_commit.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/store/fanout_store.hpp"

namespace araldo::intake {

struct IntakeSettings {
  // Its public_url is where citizens reach the public archive
  // (https://allerta.comune.example): links are absolute when set, relative otherwise.
  model::AlertDefaults defaults;
  GroupCommitOptions commit;
  store::FanoutOptions fanout;  // how an audience written after the 202 is written
  ApprovalPolicy approval;
};

IntakeSettings read_intake_settings(config::Section& section);

}  // namespace araldo::intake
