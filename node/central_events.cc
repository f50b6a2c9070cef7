#include "node/central_events.h"

#include <optional>
#include <utility>

#include "node/collections.h"

namespace hoso::node {
namespace {

// Moves the local dossier for `e` when it is here and its status allows it,
// else the collection of an online dossier returned here (node/
// collections.h); the reason it did neither otherwise.
Result<std::optional<std::string>> MoveDossier(Database& db, const Event& e, UnixMs now,
                                               const std::string& node_id, const Catalog* catalog) {
  const std::optional<DossierAction> action = DossierActionFor(e.type);
  if (!action) return std::optional<std::string>("not a dossier action");
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT status FROM dossiers WHERE code = ?1"));
  q.Bind(1, *e.dossier_code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return ApplyToCollection(db, e, node_id, catalog, now);
  HOSO_ASSIGN_OR_RETURN(DossierStatus from, StatusFromInt(q.ColumnInt(0)));
  Result<DossierStatus> to = ApplyDossierAction(from, *action);
  if (!to.ok()) return std::optional<std::string>(to.status().message());
  HOSO_ASSIGN_OR_RETURN(Statement up,
                        db.Prepare("UPDATE dossiers SET status = ?2, updated_at_ms = ?3 "
                                   "WHERE code = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, *e.dossier_code).Bind(2, StatusNumber(*to)).Bind(3, now).Run());
  if (e.type == EventType::kApologyIssued) {
    HOSO_ASSIGN_OR_RETURN(int64_t appointment, GetInt(e.payload, "new_appointment_ms"));
    HOSO_ASSIGN_OR_RETURN(Statement ap, db.Prepare("UPDATE dossiers SET appointment_ms = ?2 "
                                                   "WHERE code = ?1"));
    HOSO_RETURN_IF_ERROR(ap.Bind(1, *e.dossier_code).Bind(2, appointment).Run());
  }
  if (e.type == EventType::kResultRecorded) {
    HOSO_ASSIGN_OR_RETURN(std::string outcome, GetString(e.payload, "outcome"));
    HOSO_ASSIGN_OR_RETURN(std::optional<std::string> reason, GetOptString(e.payload, "reason"));
    HOSO_ASSIGN_OR_RETURN(Statement rs,
                          db.Prepare("UPDATE dossiers SET result_outcome = ?2, result_note = ?3, "
                                     "result_at_ms = ?4 WHERE code = ?1"));
    HOSO_RETURN_IF_ERROR(rs.Bind(1, *e.dossier_code)
                             .Bind(2, outcome)
                             .Bind(3, reason.value_or(""))
                             .Bind(4, e.device_time_ms)
                             .Run());
  }
  return std::optional<std::string>();
}

}  // namespace

Result<bool> ApplyCentralEventItem(Database& db, const json::object& item, UnixMs now,
                                   const std::string& node_id, const Catalog* catalog) {
  HOSO_ASSIGN_OR_RETURN(const json::object* o, GetObject(item, "event"));
  HOSO_ASSIGN_OR_RETURN(Event e, EventFromJsonObject(*o));
  if (!e.dossier_code) {
    return Status::InvalidArgument("a central event item names no dossier", "event.dossier_code");
  }
  HOSO_ASSIGN_OR_RETURN(Statement held,
                        db.Prepare("SELECT 1 FROM central_events WHERE event_id = ?1"));
  held.Bind(1, e.event_id);
  HOSO_ASSIGN_OR_RETURN(bool already, held.Step());
  if (already) return false;
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> not_applied,
                        MoveDossier(db, e, now, node_id, catalog));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO central_events (event_id, central_seq, type, dossier_code, "
                 "event_json, device_time_ms, applied, note, received_at_ms) VALUES (?1, ?2, ?3, "
                 "?4, ?5, ?6, ?7, ?8, ?9)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, e.event_id)
                           .Bind(2, e.seq)
                           .Bind(3, EventTypeName(e.type))
                           .Bind(4, *e.dossier_code)
                           .Bind(5, EventToJson(e))
                           .Bind(6, e.device_time_ms)
                           .Bind(7, not_applied ? 0 : 1)
                           .Bind(8, not_applied.value_or(""))
                           .Bind(9, now)
                           .Run());
  return true;
}

Result<std::vector<Event>> CentralEventsOfDossier(Database& db, const std::string& dossier_code) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT event_json FROM central_events WHERE dossier_code = ?1 "
                                   "ORDER BY device_time_ms, central_seq"));
  q.Bind(1, dossier_code);
  std::vector<Event> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    HOSO_ASSIGN_OR_RETURN(Event e, ParseEvent(q.ColumnText(0)));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace hoso::node
