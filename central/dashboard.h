// The supervisors' dashboard (GET /api/dashboard, page /dashboard): node
// health, dossiers by status and unit, on-time rate per procedure, shipments
// by state and the reconciliation items, read from the database at request
// time (docs/API.md "Dashboard").
//
// Thread-safety: a reentrant function on the Database it is given.
#ifndef HOSO_CENTRAL_DASHBOARD_H_
#define HOSO_CENTRAL_DASHBOARD_H_

#include "central/reconcile.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::central {

// {"as_of",
//  "nodes":[{"node_id","unit","role","state","active_key_id","last_seen",
//            "lag_seconds","high_water_seq","backlog_events","backlog_reported_at"}],
//  "dossiers":{"by_status":{"2":n,...},"by_unit":[{"unit","status","count"}]},
//  "on_time":[{"procedure_id","early","on_time","late","decided","on_time_rate"}],
//  "shipments":{"by_state":{"requested":n,...},"total":n},
//  "reconcile":<ReconcileReport::ToJson()>}
// On time compares the first result_recorded of a dossier with the
// appointment in force, which every supplement pause has already moved
// later, so paused time is excluded: early (an earlier local day), on_time
// (by the appointment on its day), late (after it); on_time_rate is
// (early + on_time) / decided in per mille. Shipments are folded from their
// events (both tables) through the shipment state machine in device-time
// order; an event the machine refuses leaves the state as it was.
Result<json::object> BuildDashboard(Database& db, const ReconcileOptions& options);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_DASHBOARD_H_
