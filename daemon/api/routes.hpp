#pragma once
// The API's routes, in one list beside the OpenAPI document that describes them
// (docs/openapi.json, checked against this list at start): method and path, who may call
// each, what body it takes, and which handler answers.
#include "daemon/api/alerts_api.hpp"
#include "daemon/api/approvals_api.hpp"
#include "daemon/api/archive_api.hpp"
#include "daemon/api/audit_api.hpp"
#include "daemon/api/corrections_api.hpp"
#include "daemon/api/deliveries_api.hpp"
#include "daemon/api/export_api.hpp"
#include "daemon/api/keys_api.hpp"
#include "daemon/api/listing_api.hpp"
#include "daemon/api/metrics_api.hpp"
#include "daemon/api/public_audit_api.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/api/schedules_api.hpp"
#include "daemon/api/status_api.hpp"
#include "daemon/api/subscribers_api.hpp"
#include "daemon/api/zones_api.hpp"
#include "daemon/metrics/registry.hpp"

namespace araldo::api {

// The handlers behind the routes. Those of the layers above the API (the platforms'
// webhooks, the console's files) come as plain handlers, so this list includes nothing
// above it.
struct Endpoints {
  AlertsApi& alerts;
  ApprovalsApi& approvals;
  CorrectionsApi& corrections;
  DeliveriesApi& deliveries;
  ListingApi& listing;
  AuditApi& audit;
  ExportApi& exports;
  SubscribersApi& subscribers;
  KeysApi& keys;
  ZonesApi& zones;
  SchedulesApi& schedules;
  ArchiveApi& archive;
  PublicAuditApi& public_audit;
  MetricsApi& metrics;
  StatusApi& status;
  CallHandler readyz;
  CallHandler webhook_verify;
  CallHandler webhook_receive;
  CallHandler console;
  // The citizens' inbox (inbound/inbox_api): list, show, assign, reply.
  CallHandler inbox_list, inbox_show, inbox_assign, inbox_reply;
  metrics::Registry& counters;  // alert submissions, accepted and refused
};

// Adds every route. `import_body_limit`: the largest subscriber CSV accepted.
void add_routes(RouteTable& routes, const Endpoints& e, std::size_t import_body_limit);

// Throws std::logic_error naming every route the OpenAPI document does not describe, or
// describes wrongly: the published description must be the API served.
void check_routes_against_openapi(const RouteTable& routes);

}  // namespace araldo::api
