#pragma once
// POST /v1/alerts (accept an alert: validate, render, queue; an Idempotency-Key makes a
// repeated request return the first answer) and GET /v1/alerts/{id}.
#include <functional>
#include <memory>

#include "channels/registry.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/http/http_message.hpp"
#include "daemon/intake/group_commit.hpp"
#include "daemon/model/alert_json.hpp"
#include "daemon/render/renderer.hpp"
#include "daemon/store/alert_store.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class AlertsApi {
 public:
  // `new_work` is called after alerts commit, to wake the dispatchers.
  AlertsApi(
      store::Database& db, const channels::ChannelSet& channels, const render::Renderer& renderer,
      model::AlertDefaults defaults, std::function<void()> new_work = [] {},
      intake::GroupCommitOptions group_commit = {});
  ~AlertsApi();  // answers what is queued, then stops the committers

  http::Response post(const Call& call) const;  // operator, scheduler
  http::Response get(const Call& call) const;   // {id}

 private:
  // The original answer for a key already used with this body, a 409 for another body,
  // or nothing when the key is new (or older than 24 hours).
  std::optional<http::Response> replay_idempotent(const std::string& actor,
                                                  const store::IdempotencyKey& key) const;

  store::Database& db_;
  const channels::ChannelSet& channels_;
  const render::Renderer& renderer_;
  model::AlertDefaults defaults_;
  std::unique_ptr<intake::GroupCommit> group_commit_;
};

}  // namespace araldo::api
