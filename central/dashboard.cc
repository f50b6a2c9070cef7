#include "central/dashboard.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "central/dossiers.h"
#include "schema/dossier_state.h"
#include "schema/events.h"
#include "schema/shipment_state.h"

namespace hoso::central {
namespace {

Result<json::array> Nodes(Database& db, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT n.node_id, n.unit_code, n.role, n.state, n.last_seen_ms, "
                 "n.backlog_events, n.backlog_reported_at_ms, COALESCE(p.high_water_seq, 0), "
                 "(SELECT key_id FROM node_keys k WHERE k.node_id = n.node_id AND "
                 "k.state = 'active' LIMIT 1) "
                 "FROM nodes n LEFT JOIN node_progress p ON p.node_id = n.node_id "
                 "ORDER BY n.node_id"));
  json::array out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    json::object o{{"node_id", q.ColumnText(0)},
                   {"unit", q.ColumnText(1)},
                   {"role", q.ColumnText(2)},
                   {"state", q.ColumnText(3)}};
    const std::optional<int64_t> seen = q.ColumnOptInt(4);
    const std::optional<int64_t> backlog = q.ColumnOptInt(5);
    const std::optional<int64_t> reported = q.ColumnOptInt(6);
    const std::optional<std::string> key = q.ColumnOptText(8);
    o["active_key_id"] = key ? json::value(*key) : json::value();
    o["last_seen"] = seen ? json::value(FormatLocalIso(*seen)) : json::value();
    o["lag_seconds"] = seen ? json::value(std::max<int64_t>(0, now - *seen) / 1000) : json::value();
    o["high_water_seq"] = q.ColumnInt(7);
    o["backlog_events"] = backlog ? json::value(*backlog) : json::value();
    o["backlog_reported_at"] = reported ? json::value(FormatLocalIso(*reported)) : json::value();
    out.push_back(std::move(o));
  }
  return out;
}

Result<json::object> Dossiers(Database& db) {
  json::object by_status;
  for (DossierStatus s : AllDossierStatuses()) by_status[std::to_string(StatusNumber(s))] = 0;
  json::array by_unit;
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT unit_code, status, COUNT(*) FROM dossiers WHERE status "
                                   "IS NOT NULL GROUP BY unit_code, status "
                                   "ORDER BY unit_code, status"));
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string status = std::to_string(q.ColumnInt(1));
    const int64_t n = q.ColumnInt(2);
    by_status[status] = by_status[status].as_int64() + n;
    const std::optional<std::string> unit = q.ColumnOptText(0);
    by_unit.push_back(json::object{{"unit", unit ? json::value(*unit) : json::value()},
                                   {"status", q.ColumnInt(1)},
                                   {"count", n}});
  }
  return json::object{{"by_status", std::move(by_status)}, {"by_unit", std::move(by_unit)}};
}

Result<json::array> OnTime(Database& db) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT d.procedure_id, d.appointment_ms, r.t FROM dossiers d JOIN "
                 "(SELECT dossier_code, MIN(device_time_ms) AS t FROM "
                 "(SELECT dossier_code, device_time_ms FROM central_events WHERE type = "
                 "'result_recorded' UNION ALL SELECT dossier_code, device_time_ms FROM events "
                 "WHERE type = 'result_recorded' AND dossier_code IS NOT NULL) "
                 "GROUP BY dossier_code) r ON r.dossier_code = d.dossier_code "
                 "WHERE d.appointment_ms IS NOT NULL"));
  struct Counts {
    int64_t early = 0, on_time = 0, late = 0;
  };
  std::map<std::string, Counts> by_proc;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Counts& c = by_proc[q.ColumnOptText(0).value_or("")];
    const std::string outcome = StepOutcome(q.ColumnInt(2), q.ColumnInt(1));
    if (outcome == "early") ++c.early;
    if (outcome == "on_time") ++c.on_time;
    if (outcome == "late") ++c.late;
  }
  json::array out;
  for (const auto& [proc, c] : by_proc) {
    const int64_t decided = c.early + c.on_time + c.late;
    out.push_back(json::object{{"procedure_id", proc},
                               {"early", c.early},
                               {"on_time", c.on_time},
                               {"late", c.late},
                               {"decided", decided},
                               {"on_time_per_mille",
                                decided ? (c.early + c.on_time) * 1000 / decided : 0}});
  }
  return out;
}

Result<json::object> Shipments(Database& db) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT waybill, type, json_extract(payload, '$.reason'), device_time_ms, "
                 "src, seq FROM (SELECT waybill, type, payload, device_time_ms, 0 AS src, seq, "
                 "node_id FROM events WHERE waybill IS NOT NULL AND type LIKE 'shipment\\_%' "
                 "ESCAPE '\\' UNION ALL SELECT waybill, type, payload, device_time_ms, 1, seq, "
                 "node_id FROM central_events WHERE waybill IS NOT NULL AND type LIKE "
                 "'shipment\\_%' ESCAPE '\\') ORDER BY waybill, device_time_ms, src, node_id, seq"));
  std::map<std::string, std::optional<ShipmentState>> state;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto type = EventTypeFromName(q.ColumnText(1));
    if (!type.ok()) continue;
    std::optional<ShipmentAction> action = ShipmentActionFor(*type);
    if (!action) continue;
    std::optional<FailureReason> reason;
    if (auto r = q.ColumnOptText(2)) {
      if (auto fr = FailureReasonFromName(*r); fr.ok()) reason = *fr;
    }
    std::optional<ShipmentState>& s = state[q.ColumnText(0)];
    if (auto next = ApplyShipmentAction(s, *action, reason); next.ok()) s = *next;
  }
  json::object by_state;
  for (ShipmentState s : AllShipmentStates()) by_state[ShipmentStateName(s)] = 0;
  int64_t total = 0;
  for (const auto& [w, s] : state) {
    if (!s) continue;
    by_state[ShipmentStateName(*s)] = by_state[ShipmentStateName(*s)].as_int64() + 1;
    ++total;
  }
  return json::object{{"by_state", std::move(by_state)}, {"total", total}};
}

}  // namespace

Result<json::object> BuildDashboard(Database& db, const ReconcileOptions& options) {
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Transaction::Mode::kDeferred));
  HOSO_ASSIGN_OR_RETURN(json::array nodes, Nodes(db, options.as_of_ms));
  HOSO_ASSIGN_OR_RETURN(json::object dossiers, Dossiers(db));
  HOSO_ASSIGN_OR_RETURN(json::array on_time, OnTime(db));
  HOSO_ASSIGN_OR_RETURN(json::object shipments, Shipments(db));
  HOSO_ASSIGN_OR_RETURN(ReconcileReport report, BuildReconcileReport(db, options));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"as_of", FormatLocalIso(options.as_of_ms)},
                      {"nodes", std::move(nodes)},
                      {"dossiers", std::move(dossiers)},
                      {"on_time", std::move(on_time)},
                      {"shipments", std::move(shipments)},
                      {"reconcile", report.ToJson()}};
}

}  // namespace hoso::central
